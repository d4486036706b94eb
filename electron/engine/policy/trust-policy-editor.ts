import type { ApiRequest } from '../../../shared/api/channels.js';
import type { Settings } from '../../../shared/api/schemas.js';
import { trustPolicySchema, type TrustPolicy } from '../../../shared/api/trust-schemas.js';
import { parseImagePattern } from '../../../shared/image-reference.js';
import { anchorProblem } from '../signatures/anchor-check.js';
import { InvalidInputError } from './allowlist-editor.js';

export type NewTrustPolicy = ApiRequest<'trust.add'>;

/** Adds a policy after checking every anchor parses; a bad one refuses the whole policy. */
export function addPolicy(
  settings: Settings,
  input: NewTrustPolicy,
  now: Date,
): { settings: Settings; policy: TrustPolicy } {
  const scope = parseImagePattern(input.scope).pattern;
  const name = input.name ?? nameFor(scope, settings.trustPolicies);
  if (settings.trustPolicies.some((p) => p.name === name))
    throw new InvalidInputError(
      `a trust policy named "${name}" already exists: remove it first or choose another --name`,
    );
  if (settings.trustPolicies.some((p) => p.scope === scope))
    throw new InvalidInputError(
      `trust policy "${settings.trustPolicies.find((p) => p.scope === scope)?.name}" already covers ${scope}: remove it first, or add all anchors in one policy`,
    );
  const parsed = trustPolicySchema.safeParse({
    name,
    scope,
    threshold: input.threshold ?? 1,
    anchors: input.anchors,
    addedAt: now.toISOString(),
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.join('.') || 'policy'}: ${i.message}`,
    );
    throw new InvalidInputError(`The trust policy was not added: ${problems.join('; ')}`, problems);
  }
  const problems = parsed.data.anchors
    .map((anchor, i) => {
      const problem = anchorProblem(anchor);
      return problem && `anchor ${i + 1} (${anchor.kind}): ${problem}`;
    })
    .filter((p) => p !== undefined);
  if (problems.length)
    throw new InvalidInputError(`The trust policy was not added: ${problems.join('; ')}`, problems);
  return {
    settings: { ...settings, trustPolicies: [...settings.trustPolicies, parsed.data] },
    policy: parsed.data,
  };
}

export function removePolicy(settings: Settings, name: string): Settings {
  if (!settings.trustPolicies.some((p) => p.name === name))
    throw new InvalidInputError(
      `there is no trust policy named "${name}" (existing: ${settings.trustPolicies.map((p) => p.name).join(', ') || 'none'})`,
    );
  return { ...settings, trustPolicies: settings.trustPolicies.filter((p) => p.name !== name) };
}

/** A readable default name from the scope, e.g. `ghcr.io/acme/**` -> `ghcr.io-acme`. */
function nameFor(scope: string, existing: readonly TrustPolicy[]): string {
  const base =
    scope
      .replace(/\*+/g, '')
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[-._]+|[-._]+$/g, '')
      .slice(0, 56) || 'policy';
  let name = base;
  for (let n = 2; existing.some((p) => p.name === name); n++) name = `${base}-${n}`;
  return name;
}
