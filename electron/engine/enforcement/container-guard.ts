import type Docker from 'dockerode';
import type { ContainerVerdict } from '../../../shared/api/channels.js';
import type { DecisionRecord, Mode, QuarantineRecord } from '../../../shared/api/schemas.js';
import type { ImageFacts, ImageFactsCache } from '../docker/image-facts.js';
import { decideImage, type AllowlistIndex, type Verdict } from '../policy/allowlist-policy.js';
import {
  killAndRemove,
  quarantine,
  restoreRestartPolicy,
  type ActionTimings,
} from './container-actions.js';

/** What the guard knows of a container; the image ID is fixed when a container is created. */
export interface ContainerFacts {
  id: string;
  name: string;
  imageRef: string;
  imageId: string;
  running: boolean;
  state: string;
  /** Why the container could not be inspected, when it could not. */
  problem?: string;
}

export interface GuardPolicy {
  enabled: boolean;
  mode: Mode;
  allowlist: AllowlistIndex;
  quarantine: Readonly<Record<string, QuarantineRecord>>;
}

export interface GuardHooks {
  policy(): GuardPolicy;
  decided(record: DecisionRecord, timings: ActionTimings): void;
  quarantined(containerId: string, record: QuarantineRecord): void;
  unquarantined(containerId: string): void;
  /**
   * Called for an image the allowlist refuses: may admit it by a verified signature (and,
   * when `record` is set, allowlist its digest). Returns the refusal, possibly with more
   * reasons, or an allowing verdict.
   */
  admit(
    facts: ContainerFacts,
    image: ImageFacts,
    refusal: Verdict,
    record: boolean,
  ): Promise<Verdict>;
}

export type Trigger = 'create' | 'start' | 'unpause' | 'restart' | `sweep:${string}`;

const SWEEP_CONCURRENCY = 8;
/** Image facts younger than this are not looked up again before a refusal. */
const FRESH_MS = 5_000;
const FACTS_CACHE_LIMIT = 5_000;

/**
 * Decides on containers and acts per the mode. Fails closed: a container whose image cannot
 * be resolved is treated as not allowed. One container is handled by one task at a time, so
 * a sweep and an event never act on it twice at once.
 */
export class ContainerGuard {
  readonly #facts = new Map<string, Omit<ContainerFacts, 'running' | 'state'>>();
  readonly #queue = new Map<string, Promise<void>>();
  /** The last decision logged per container, so sweeps do not repeat unchanged ones. */
  readonly #lastLogged = new Map<string, string>();
  /**
   * Running containers already decided, with the image and policy they were decided under:
   * reconciliation decides only the others (an event lost, a policy changed since).
   */
  readonly #decided = new Map<string, { imageId: string; policy: GuardPolicy }>();

  constructor(
    private readonly docker: Docker,
    private readonly images: ImageFactsCache,
    private readonly hooks: GuardHooks,
  ) {}

  /**
   * On `create`: decides ahead of the start (resolving the container and its image, and
   * verifying a signature if a policy asks for one), so at `start` the kill is the first call.
   */
  prepare(containerId: string, eventAt?: number): Promise<void> {
    return this.#serialised(containerId, async () => {
      const facts = await this.#inspect(containerId);
      const policy = this.hooks.policy();
      if (!facts || !policy.enabled) return;
      const { image, verdict } = await this.#decide(facts, policy.allowlist, true);
      // A signature verified now is recorded now; the start is then allowed by its new entry.
      if (verdict.allowedBy?.kind === 'signature')
        this.#log(facts, image, 'allowed', verdict, 'create', true, { eventAt });
    });
  }

  /** A container event that means it runs now. */
  onRunning(containerId: string, trigger: Trigger, eventAt?: number): Promise<void> {
    return this.#serialised(containerId, async () => {
      const known = this.#facts.get(containerId);
      const facts = known
        ? { ...known, running: true, state: 'running' }
        : await this.#inspect(containerId);
      if (facts) await this.#enforce(facts, trigger, true, eventAt);
    });
  }

  /** Evaluates and acts on every container, running or stopped. */
  async sweep(trigger: Trigger): Promise<number> {
    const containers = await this.#list();
    await mapLimit(containers, SWEEP_CONCURRENCY, (facts) =>
      this.#serialised(facts.id, () => this.#enforce(facts, trigger, false)),
    );
    return containers.length;
  }

  /**
   * Catches what the event stream missed (dockerd drops events for a slow subscriber without a
   * word): lists the running containers, one call, and decides on each one not yet decided for
   * its image under the current policy. Returns how many ran and how many it decided.
   */
  async reconcile(trigger: Trigger): Promise<{ running: number; decided: number }> {
    const running = await this.docker.listContainers({ filters: { status: ['running'] } });
    const ids = new Set(running.map((c) => c.Id));
    // Bounded by what runs: a container that no longer runs is decided again if it runs again.
    for (const id of this.#decided.keys()) if (!ids.has(id)) this.#decided.delete(id);
    const policy = this.hooks.policy();
    const undecided = running.filter((c) => {
      const decided = this.#decided.get(c.Id);
      return decided?.imageId !== c.ImageID || decided.policy !== policy;
    });
    await mapLimit(undecided, SWEEP_CONCURRENCY, (c) =>
      this.#serialised(c.Id, () => this.#enforce(this.#factsOf(c), trigger, false)),
    );
    return { running: running.length, decided: undecided.length };
  }

  /**
   * Decides on every container without acting (`gatehouse check`); with `allowlist`, under
   * that one instead of the current one (what a change would do, before it is made).
   */
  async check(allowlist?: AllowlistIndex): Promise<ContainerVerdict[]> {
    const containers = await this.#list();
    const policy = this.hooks.policy();
    return mapLimit(containers, SWEEP_CONCURRENCY, async (c) => {
      const { image, verdict } = await this.#decide(c, allowlist ?? policy.allowlist, false);
      return {
        containerId: c.id,
        containerName: c.name,
        imageRef: c.imageRef,
        imageId: c.imageId,
        digests: image?.digests ?? [],
        state: c.state,
        allowed: verdict.allowed,
        reason: verdict.reason,
      };
    });
  }

  async #enforce(
    facts: ContainerFacts,
    trigger: Trigger,
    fromEvent: boolean,
    eventAt?: number,
  ): Promise<void> {
    const policy = this.hooks.policy();
    if (!policy.enabled) return;
    const { image, verdict } = await this.#decide(facts, policy.allowlist, true);
    const quarantined = policy.quarantine[facts.id];
    // Only what is left running is remembered: a container stopped or removed here that runs
    // again is decided again.
    const settled = () => {
      if (facts.running) this.#decided.set(facts.id, { imageId: facts.imageId, policy });
    };
    this.#decided.delete(facts.id);
    if (verdict.allowed) {
      if (quarantined) await this.#release(facts.id, quarantined);
      this.#log(facts, image, 'allowed', verdict, trigger, fromEvent || !!quarantined, { eventAt });
      settled();
      return;
    }
    if (policy.mode === 'audit') {
      this.#log(facts, image, 'audited', verdict, trigger, fromEvent, { eventAt });
      settled();
      return;
    }
    if (policy.mode === 'quarantine' && quarantined && !facts.running) return;
    let timings: ActionTimings | undefined = {};
    let actionError: string | undefined;
    try {
      if (policy.mode === 'enforce') {
        timings = await killAndRemove(this.docker, facts.id);
        if (quarantined) this.hooks.unquarantined(facts.id);
      } else timings = await this.#quarantine(facts, verdict.reason, quarantined);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) timings = undefined;
      else actionError = `Docker refused the action: ${(error as Error).message}`;
    }
    // Already gone: an earlier event for the same container acted, or its owner removed it.
    if (!timings) return;
    const decision = policy.mode === 'enforce' ? 'removed' : 'quarantined';
    this.#log(facts, image, decision, verdict, trigger, true, { ...timings, eventAt }, actionError);
  }

  async #quarantine(
    facts: ContainerFacts,
    reason: string,
    previous: QuarantineRecord | undefined,
  ): Promise<ActionTimings> {
    const { restartPolicy: current, ...timings } = await quarantine(this.docker, facts.id);
    // Stopped again after a manual start: the policy to restore is the one from before the first time.
    const restartPolicy = previous ? previous.restartPolicy : current;
    this.hooks.quarantined(facts.id, {
      containerName: facts.name,
      imageId: facts.imageId,
      quarantinedAt: new Date().toISOString(),
      reason,
      ...(restartPolicy ? { restartPolicy } : {}),
    });
    return timings;
  }

  async #release(containerId: string, record: QuarantineRecord): Promise<void> {
    if (record.restartPolicy && record.restartPolicy.Name !== 'no')
      await restoreRestartPolicy(this.docker, containerId, record.restartPolicy).catch(
        () => undefined,
      );
    this.hooks.unquarantined(containerId);
  }

  /** Fail closed: any failure to resolve the image is a refusal with the reason kept. */
  async #decide(
    facts: ContainerFacts,
    allowlist: AllowlistIndex,
    record: boolean,
  ): Promise<{ image?: ImageFacts; verdict: Verdict }> {
    if (facts.problem)
      return {
        verdict: {
          allowed: false,
          reason: `${facts.problem}; refused because Gatehouse cannot decide`,
        },
      };
    try {
      let image = await this.images.get(facts.imageId);
      let verdict = decideImage(image, allowlist);
      // Before refusing, look again unless just looked: a push or pull may have given the
      // image a digest since. Facts from this container's own create event count as fresh.
      if (!verdict.allowed) {
        image = await this.images.get(facts.imageId, FRESH_MS);
        verdict = decideImage(image, allowlist);
      }
      if (!verdict.allowed) verdict = await this.hooks.admit(facts, image, verdict, record);
      return { image, verdict };
    } catch (error) {
      return {
        verdict: {
          allowed: false,
          reason: `could not resolve image ${facts.imageId} (${(error as Error).message}); refused because Gatehouse cannot decide`,
        },
      };
    }
  }

  #log(
    facts: ContainerFacts,
    image: ImageFacts | undefined,
    decision: DecisionRecord['decision'],
    verdict: Verdict,
    trigger: Trigger,
    always: boolean,
    timings: ActionTimings,
    actionError?: string,
  ): void {
    const key = `${decision}|${verdict.reason}`;
    if (!always && this.#lastLogged.get(facts.id) === key) return;
    this.#lastLogged.set(facts.id, key);
    this.hooks.decided(
      {
        time: new Date().toISOString(),
        containerId: facts.id,
        containerName: facts.name,
        imageRef: facts.imageRef,
        imageId: facts.imageId,
        digests: image?.digests ?? [],
        decision,
        reason: verdict.reason,
        ...(verdict.allowedBy ? { allowedBy: verdict.allowedBy } : {}),
        trigger,
        ...(actionError ? { actionError } : {}),
      },
      timings,
    );
  }

  /**
   * One container's facts from the container list, not from inspect: inspect waits for the
   * container's lock, which dockerd holds for the whole of a start, while the list answers at
   * once. So the decision is ready when the start event comes.
   */
  async #inspect(containerId: string): Promise<ContainerFacts | undefined> {
    try {
      const list = await this.docker.listContainers({ all: true, filters: { id: [containerId] } });
      const info = list.find((c) => c.Id === containerId || c.Id.startsWith(containerId));
      return info ? this.#factsOf(info) : undefined;
    } catch (error) {
      // Fail closed: a container that cannot be looked up is decided on by its ID alone,
      // and an unknown image is never allowed.
      return {
        id: containerId,
        name: containerId.slice(0, 12),
        imageRef: '(unknown)',
        imageId: '(unknown)',
        running: true,
        state: 'unknown',
        problem: `could not look up the container: ${(error as Error).message}`,
      };
    }
  }

  async #list(): Promise<ContainerFacts[]> {
    const list = await this.docker.listContainers({ all: true });
    return list.map((c) => this.#factsOf(c));
  }

  #factsOf(c: Docker.ContainerInfo): ContainerFacts {
    const facts = {
      id: c.Id,
      name: (c.Names[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''),
      // The reference the container was created with (Docker shows the image ID instead
      // once that reference no longer names the container's image).
      imageRef: c.Image,
      imageId: c.ImageID,
    };
    this.#remember(facts);
    return {
      ...facts,
      running: c.State === 'running' || c.State === 'paused' || c.State === 'restarting',
      state: c.State,
    };
  }

  #remember(facts: Omit<ContainerFacts, 'running' | 'state'>): void {
    this.#facts.delete(facts.id);
    this.#facts.set(facts.id, facts);
    if (this.#facts.size > FACTS_CACHE_LIMIT) {
      const oldest = this.#facts.keys().next().value;
      if (oldest !== undefined) this.#facts.delete(oldest);
    }
  }

  #serialised(containerId: string, task: () => Promise<void>): Promise<void> {
    const previous = this.#queue.get(containerId) ?? Promise.resolve();
    const next = previous.then(task, task);
    this.#queue.set(containerId, next);
    next
      .finally(() => {
        if (this.#queue.get(containerId) === next) this.#queue.delete(containerId);
      })
      .catch(() => undefined); // the caller of `next` sees the error

    return next;
  }
}

async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
