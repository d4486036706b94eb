import type { AllowlistEntry, Settings } from '../../../shared/api/schemas.js';
import {
  newInstanceSchema,
  type Instance,
  type InstanceView,
  type NewInstance,
} from '../../../shared/api/instance-schemas.js';
import { InvalidInputError } from '../policy/allowlist-editor.js';
import type { AllowlistIndex, IndexedEntry } from '../policy/allowlist-policy.js';

/** Pure edits of the saved instance definitions; each refuses bad input as a whole. */

export function findInstance(settings: Settings, name: string): Instance {
  const instance = settings.instances.find((i) => i.name === name);
  if (!instance) throw new InvalidInputError(`no instance named "${name}"`);
  return instance;
}

export function addInstance(
  settings: Settings,
  input: NewInstance,
  now: Date,
): { settings: Settings; instance: Instance } {
  const parsed = newInstanceSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.length ? i.path.join('.') : 'instance'}: ${i.message}`,
    );
    throw new InvalidInputError(`invalid instance: ${problems.join('; ')}`, problems);
  }
  const value = parsed.data;
  if (settings.instances.some((i) => i.name === value.name))
    throw new InvalidInputError(`an instance named "${value.name}" already exists`);
  if (!value.digest && !value.trustPolicy)
    throw new InvalidInputError(
      `instance "${value.name}" needs an enforcement digest or a trust policy: without either, nothing says which image may run`,
    );
  if (value.trustPolicy && !settings.trustPolicies.some((p) => p.name === value.trustPolicy))
    throw new InvalidInputError(`no trust policy named "${value.trustPolicy}"`);
  const instance: Instance = { ...value, createdAt: now.toISOString() };
  return { settings: { ...settings, instances: [...settings.instances, instance] }, instance };
}

/** Replaces one instance's fields; the store validates the result before writing it. */
export function updateInstance(
  settings: Settings,
  name: string,
  change: (instance: Instance) => Instance,
): Settings {
  findInstance(settings, name);
  return {
    ...settings,
    instances: settings.instances.map((i) => (i.name === name ? change(i) : i)),
  };
}

export function removeInstance(settings: Settings, name: string): Settings {
  findInstance(settings, name);
  return { ...settings, instances: settings.instances.filter((i) => i.name !== name) };
}

/** An instance with its digest (none: cleared) and without a recorded problem. */
export function withDigest(instance: Instance, digest: Instance['digest']): Instance {
  const next: Instance = { ...instance };
  delete next.digest;
  delete next.problem;
  return digest ? { ...next, digest } : next;
}

export function withProblem(instance: Instance, problem: string | undefined): Instance {
  const next: Instance = { ...instance };
  delete next.problem;
  return problem ? { ...next, problem: problem.slice(0, 4000) } : next;
}

/** Digest -> instance name, for every enabled instance that has a digest. */
export function enabledInstanceDigests(instances: readonly Instance[]): Map<string, string> {
  const digests = new Map<string, string>();
  for (const i of instances)
    if (i.enabled && i.digest && !digests.has(i.digest)) digests.set(i.digest, i.name);
  return digests;
}

/**
 * The effective allowlist: the allowlist's entries, plus the digest of every enabled instance
 * (an entry on the allowlist itself wins, so its label is what decisions show).
 */
export function effectiveAllowlist(
  allowlist: readonly AllowlistEntry[],
  instances: readonly Instance[],
): AllowlistIndex {
  const index = new Map<string, IndexedEntry>(allowlist.map((e) => [e.digest, e]));
  for (const [digest, name] of enabledInstanceDigests(instances))
    if (!index.has(digest))
      index.set(digest, {
        digest: digest as IndexedEntry['digest'],
        addedAt: new Date(0).toISOString(),
        source: 'instance',
        label: `instance ${name}`,
        instance: name,
      });
  return index;
}

export function viewOf(instance: Instance, container?: InstanceView['container']): InstanceView {
  const { credentials, ...rest } = instance;
  return {
    ...rest,
    hasCredentials: credentials !== undefined,
    ...(container ? { container } : {}),
  };
}
