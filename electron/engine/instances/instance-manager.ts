import type Docker from 'dockerode';
import type { ContainerVerdict } from '../../../shared/api/channels.js';
import type {
  AffectedContainer,
  Instance,
  InstanceChange,
  InstanceView,
  NewInstance,
} from '../../../shared/api/instance-schemas.js';
import type { Settings } from '../../../shared/api/schemas.js';
import type { TrustPolicy } from '../../../shared/api/trust-schemas.js';
import { isDigest, type Digest } from '../../../shared/digest.js';
import { parseImageReference, type ImageReference } from '../../../shared/image-reference.js';
import type { AllowlistIndex } from '../policy/allowlist-policy.js';
import type { RegistryClientOptions } from '../registry/registry-client.js';
import type { PolicyVerdict, ValidatorRegistry } from '../signatures/signature-validator.js';
import { verifierWithCredentials, type TagVerifier } from './instance-registry.js';
import { InvalidInputError } from '../policy/allowlist-editor.js';
import {
  addInstance,
  effectiveAllowlist,
  findInstance,
  removeInstance,
  updateInstance,
  viewOf,
  withDigest,
  withProblem,
} from './instance-editor.js';
import {
  containerSpec,
  INSTANCE_DIGEST_LABEL,
  INSTANCE_LABEL,
  pinnedReference,
} from './container-spec.js';

/** What the manager needs from the engine; the engine passes closures over its private parts. */
export interface InstanceHost {
  docker: Docker;
  settings(): Settings;
  /** Saves a change; with `sweep`, resolves after the sweep that applies it (when enforcing). */
  save(change: (s: Settings) => Settings, sweep: boolean): Promise<void>;
  resolveTag(reference: ImageReference): Promise<string>;
  verify(policy: TrustPolicy, reference: ImageReference, digest: Digest): Promise<PolicyVerdict>;
  /** Every container's verdict under this allowlist (the current one when absent), no action. */
  check(allowlist?: AllowlistIndex): Promise<ContainerVerdict[]>;
  /** For instances with registry credentials: a registry client of their own. */
  registryOptions(): RegistryClientOptions;
  validators: ValidatorRegistry;
}

interface LabelledContainer {
  id: string;
  name: string;
  state: string;
  digest: string | undefined;
}

/**
 * Runs the managed containers: pulls exactly the pinned digest (verifying and pinning a tag
 * under its trust policy first when there is none), creates the container with its label and
 * starts it; a failed verification never starts anything. Operations run one at a time.
 */
export class InstanceManager {
  #queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly host: InstanceHost) {}

  async list(): Promise<InstanceView[]> {
    const containers = await this.#labelled().catch(() => new Map<string, LabelledContainer>());
    return this.host.settings().instances.map((i) => this.#view(i, containers.get(i.name)));
  }

  add(input: NewInstance): Promise<InstanceView> {
    return this.#serialised(async () => {
      const { settings, instance } = addInstance(this.host.settings(), input, new Date());
      await this.host.save(() => settings, instance.enabled);
      return instance.enabled ? this.#run(instance.name) : this.#view(instance, undefined);
    });
  }

  enable(name: string): Promise<InstanceView> {
    return this.#serialised(async () => {
      const instance = findInstance(this.host.settings(), name);
      if (!instance.enabled)
        await this.host.save(
          (s) => updateInstance(s, name, (i) => ({ ...i, enabled: true })),
          instance.digest !== undefined,
        );
      return this.#run(name);
    });
  }

  disable(name: string, dryRun = false): Promise<InstanceChange> {
    return this.#change(name, dryRun, (s) =>
      updateInstance(s, name, (i) => withProblem({ ...i, enabled: false }, undefined)),
    );
  }

  remove(name: string, dryRun = false): Promise<InstanceChange> {
    return this.#change(name, dryRun, (s) => removeInstance(s, name));
  }

  /**
   * A new digest; or none (`null`, "check for update"): the tag is verified again first, and
   * only a different verified digest changes anything. If the tag no longer verifies, the
   * instance keeps its pin (and its container) and the error says why.
   */
  setDigest(name: string, digest: string | null, dryRun = false): Promise<InstanceChange> {
    return this.#serialised(async () => {
      if (digest !== null && !isDigest(digest))
        throw new InvalidInputError(`${digest} is not a digest`);
      const instance = findInstance(this.host.settings(), name);
      let target = digest;
      if (target === null) {
        if (!instance.trustPolicy)
          throw new InvalidInputError(
            `instance "${name}" has no trust policy to verify its tag with: give a new digest instead`,
          );
        if (instance.digest) {
          try {
            target = await this.#verifiedDigest(instance);
          } catch (error) {
            const reason = (error as Error).message.replace(/^not started: /, '');
            throw new InvalidInputError(
              `no update for "${name}": ${reason}; it stays pinned to ${instance.digest}`,
            );
          }
        }
      }
      if (target === instance.digest) {
        // Nothing changes; an enabled instance that is not running is started again.
        const view = instance.enabled && !dryRun ? await this.#run(name) : undefined;
        const container = (await this.#labelled()).get(name);
        return { instance: view ?? this.#view(instance, container), affected: [], dryRun };
      }
      const pin = target ?? undefined;
      return this.#changeNow(
        name,
        dryRun,
        (s) => updateInstance(s, name, (i) => withDigest(i, pin)),
        true,
      );
    });
  }

  /**
   * At start-up (and after Docker reconnects): adopts the containers found by label, starts
   * enabled instances that are missing or stopped, and removes containers of disabled ones.
   * Never creates a second container for an instance.
   */
  adopt(): Promise<void> {
    return this.#serialised(async () => {
      const duplicates: string[] = [];
      const containers = await this.#labelled(duplicates);
      // Two containers for one instance (made by hand, or by an old bug): keep one.
      for (const id of duplicates) await this.#removeContainer(id);
      for (const instance of this.host.settings().instances) {
        const container = containers.get(instance.name);
        if (!instance.enabled) {
          if (container) await this.#removeContainer(container.id);
          continue;
        }
        if (container && container.digest === instance.digest && container.state === 'running')
          continue;
        await this.#run(instance.name);
      }
    });
  }

  /** The containers a change would stop: allowed now, not allowed once it is saved. */
  async affectedBy(next: Settings, except: string | undefined): Promise<AffectedContainer[]> {
    const [now, after] = await Promise.all([
      this.host.check(),
      this.host.check(effectiveAllowlist(next.allowlist, next.instances)),
    ]);
    const stillAllowed = new Set(after.filter((v) => v.allowed).map((v) => v.containerId));
    return now
      .filter((v) => v.allowed && !stillAllowed.has(v.containerId) && v.containerId !== except)
      .map(({ containerId, containerName, imageRef }) => ({
        containerId,
        containerName,
        imageRef,
      }));
  }

  #change(
    name: string,
    dryRun: boolean,
    change: (s: Settings) => Settings,
  ): Promise<InstanceChange> {
    return this.#serialised(() => this.#changeNow(name, dryRun, change, false));
  }

  /** Says what the change stops; unless a dry run, removes the container, saves, sweeps. */
  async #changeNow(
    name: string,
    dryRun: boolean,
    change: (s: Settings) => Settings,
    runAfter: boolean,
  ): Promise<InstanceChange> {
    const settings = this.host.settings();
    const next = change(settings);
    const container = (await this.#labelled()).get(name);
    const affected = await this.#affectedSafely(next, container?.id);
    if (dryRun) {
      const planned = next.instances.find((i) => i.name === name);
      return { instance: planned && this.#view(planned, container), affected, dryRun };
    }
    if (container) await this.#removeContainer(container.id);
    await this.host.save(change, true);
    const saved = this.host.settings().instances.find((i) => i.name === name);
    const instance =
      saved && runAfter && saved.enabled
        ? await this.#run(name)
        : saved && this.#view(saved, undefined);
    return { instance, affected, dryRun };
  }

  async #affectedSafely(next: Settings, except: string | undefined) {
    try {
      return await this.affectedBy(next, except);
    } catch {
      return []; // Docker is unreachable: nothing runs that could be stopped
    }
  }

  /** Pins (verifying if needed), pulls and runs one enabled instance; records why not. */
  async #run(name: string): Promise<InstanceView> {
    let instance = findInstance(this.host.settings(), name);
    try {
      if (!instance.digest) {
        const digest = await this.#verifiedDigest(instance);
        await this.host.save((s) => updateInstance(s, name, (i) => withDigest(i, digest)), false);
        instance = findInstance(this.host.settings(), name);
      }
      const digest = instance.digest as Digest;
      const existing = (await this.#labelled()).get(name);
      if (existing && existing.digest === digest) {
        if (existing.state !== 'running') await this.host.docker.getContainer(existing.id).start();
      } else {
        if (existing) await this.#removeContainer(existing.id);
        await this.#pull(instance, digest);
        const created = await this.host.docker.createContainer(containerSpec(instance, digest));
        await created.start();
      }
      if (instance.problem)
        await this.host.save(
          (s) => updateInstance(s, name, (i) => withProblem(i, undefined)),
          false,
        );
    } catch (error) {
      const problem = (error as Error).message;
      await this.host.save((s) => updateInstance(s, name, (i) => withProblem(i, problem)), false);
    }
    const saved = findInstance(this.host.settings(), name);
    return this.#view(saved, (await this.#labelled()).get(name));
  }

  async #verifiedDigest(instance: Instance): Promise<Digest> {
    const settings = this.host.settings();
    if (!instance.trustPolicy)
      throw new Error('not started: it has neither an enforcement digest nor a trust policy');
    const policy = settings.trustPolicies.find((p) => p.name === instance.trustPolicy);
    if (!policy)
      throw new Error(`not started: its trust policy "${instance.trustPolicy}" does not exist`);
    const reference = parseImageReference(instance.image);
    const verifier: TagVerifier = instance.credentials
      ? verifierWithCredentials(
          this.host.registryOptions(),
          this.host.validators,
          reference,
          instance.credentials,
        )
      : this.host;
    let digest: string;
    try {
      digest = await verifier.resolveTag(reference);
    } catch (error) {
      throw new Error(
        `not started: cannot resolve ${instance.image} in its registry: ${(error as Error).message}`,
        { cause: error },
      );
    }
    if (!isDigest(digest))
      throw new Error(`not started: the registry gave ${digest}, not a digest`);
    const verdict = await verifier.verify(policy, reference, digest);
    if (!verdict.ok)
      throw new Error(
        `not started: ${instance.image} (${digest}) did not verify under trust policy "${policy.name}": ${verdict.reason}`,
      );
    return digest;
  }

  async #pull(instance: Instance, digest: Digest): Promise<void> {
    const ref = pinnedReference(instance.image, digest);
    const auth = instance.credentials
      ? {
          authconfig: {
            username: instance.credentials.username,
            password: instance.credentials.password,
            serveraddress: parseImageReference(instance.image).registry,
          },
        }
      : {};
    const stream = await this.host.docker.pull(ref, auth);
    const output = await new Promise<{ error?: string }[]>((resolve, reject) =>
      this.host.docker.modem.followProgress(stream, (error: Error | null, result: unknown[]) =>
        error ? reject(error) : resolve(result as { error?: string }[]),
      ),
    );
    const failed = output.find((o) => o.error);
    if (failed) throw new Error(`pulling ${ref} failed: ${failed.error}`);
  }

  async #removeContainer(id: string): Promise<void> {
    await this.host.docker
      .getContainer(id)
      .remove({ force: true })
      .catch((error: { statusCode?: number }) => {
        if (error.statusCode !== 404 && error.statusCode !== 409) throw error;
      });
  }

  /** Resolves once the operations queued so far are done (the engine waits for it on stop). */
  async settled(): Promise<void> {
    await this.#queue;
  }

  /** The managed containers by instance name, one each; the extra ones go to `duplicates`. */
  async #labelled(duplicates: string[] = []): Promise<Map<string, LabelledContainer>> {
    const list = await this.host.docker.listContainers({
      all: true,
      filters: { label: [INSTANCE_LABEL] },
    });
    const found = new Map<string, LabelledContainer>();
    // Ours (it carries the digest label) before a look-alike, running before stopped.
    const rank = (c: (typeof list)[number]) =>
      (c.Labels[INSTANCE_DIGEST_LABEL] ? 2 : 0) + (c.State === 'running' ? 1 : 0);
    list.sort((a, b) => rank(b) - rank(a));
    for (const c of list) {
      const name = c.Labels[INSTANCE_LABEL];
      if (!name) continue;
      if (found.has(name)) {
        duplicates.push(c.Id);
        continue;
      }
      found.set(name, {
        id: c.Id,
        name: (c.Names[0] ?? '').replace(/^\//, ''),
        state: c.State,
        digest: c.Labels[INSTANCE_DIGEST_LABEL],
      });
    }
    return found;
  }

  #view(instance: Instance, container: LabelledContainer | undefined): InstanceView {
    return viewOf(instance, container && { id: container.id, state: container.state });
  }

  #serialised<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work, work);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}
