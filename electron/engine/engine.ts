import { EventEmitter } from 'node:events';
import type Docker from 'dockerode';
import type {
  ApproveResult,
  CheckReport,
  ContainerView,
  EngineStatus,
  PendingApproval,
  VerifyReport,
} from '../../shared/api/channels.js';
import type {
  BuildPolicy,
  ConnectionState,
  DecisionRecord,
  Mode,
  Settings,
} from '../../shared/api/schemas.js';
import { createDockerClient } from './docker/docker-client.js';
import {
  realHostEnvironment,
  resolveDockerHost,
  type DockerHost,
  type HostEnvironment,
} from './docker/docker-host.js';
import { EventMonitor, type Backoff } from './docker/event-monitor.js';
import { ImageFactsCache } from './docker/image-facts.js';
import type { ActionTimings } from './enforcement/container-actions.js';
import { ContainerGuard, type GuardPolicy, type Trigger } from './enforcement/container-guard.js';
import { DecisionLog } from './log/decision-log.js';
import {
  addEntries,
  exportText,
  importText,
  InvalidInputError,
  removeEntries,
} from './policy/allowlist-editor.js';
import { SettingsStore } from './store/settings-store.js';
import { addPolicy, removePolicy, type NewTrustPolicy } from './policy/trust-policy-editor.js';
import type { TrustPolicy } from '../../shared/api/trust-schemas.js';
import { parseImageReference } from '../../shared/image-reference.js';
import { digestOfRepoDigest, isDigest } from '../../shared/digest.js';
import { RegistryClient, type RegistryClientOptions } from './registry/registry-client.js';
import { registryOptionsFromDocker } from './registry/docker-registry-config.js';
import { admitBySignature, findPolicy, type Admission } from './signatures/signature-admission.js';
import type { ValidatorRegistry } from './signatures/signature-validator.js';
import { defaultValidators } from './signatures/default-validators.js';
import { VerificationService } from './signatures/verification-service.js';
import type { ContainerFacts } from './enforcement/container-guard.js';
import type { ImageFacts } from './docker/image-facts.js';
import type { Verdict } from './policy/allowlist-policy.js';
import { lockStore } from './store/store-lock.js';
import { InstanceManager } from './instances/instance-manager.js';
import { effectiveAllowlist } from './instances/instance-editor.js';
import { decideImage as decideImageByAllowlist } from './policy/allowlist-policy.js';
import { ApprovalQueue } from './authz/approval-queue.js';
import type { AuthzDecision, DecidedRequest } from './authz/authz-server.js';
import { preventionRecord } from './authz/prevention-record.js';
import { preventionPlugin } from './authz/prevention-support.js';

export interface EngineOptions {
  configDir: string;
  /** --docker-host; otherwise DOCKER_HOST, the docker context, the platform default. */
  dockerHost?: string | undefined;
  hostEnvironment?: HostEnvironment;
  backoff?: Backoff;
  /** Signature validators by anchor kind (default: cosign, Notary v1, Notation). */
  validators?: ValidatorRegistry;
  /** Default: the local Docker engine's insecure registries and certs.d CAs. */
  registry?: RegistryClientOptions;
  /** How often running containers are reconciled (default RECONCILE_INTERVAL_MS). */
  reconcileIntervalMs?: number;
}

/**
 * How long a container whose events dockerd dropped can run before the guard decides on it
 * anyway: the period of the reconciliation of running containers (one list call).
 */
export const RECONCILE_INTERVAL_MS = 5_000;

export interface EngineEvents {
  decision: [DecisionRecord, ActionTimings];
  connection: [ConnectionState];
  /** A sweep finished: `ready` after the first one following a (re)subscription. */
  swept: [{ trigger: Trigger; containers: number; durationMs: number }];
  ready: [];
  settings: [Settings];
  /** A just-in-time approval was asked or settled (prevention mode). */
  approvals: [PendingApproval[]];
  /** Something went wrong that the engine survived; faces show it. */
  problem: [Error];
}

/**
 * The engine: owns the settings, the decision log and the Docker connection, watches
 * containers and enforces the allowlist. Plain Node: the desktop app, the CLI daemon and the
 * tests all run this same class. Open it to read and edit the policy; start it to enforce.
 */
export class Engine extends EventEmitter<EngineEvents> {
  readonly store: SettingsStore;
  readonly log: DecisionLog;
  readonly docker: Docker;
  readonly host: DockerHost;
  readonly #guard: ContainerGuard;
  readonly #monitor: EventMonitor;
  readonly #registry: RegistryClient;
  readonly #verification: VerificationService;
  /** Managed containers: run from saved definitions, pinned by digest. */
  readonly instances: InstanceManager;
  /** Prevention mode's just-in-time questions: creates waiting in dockerd for an answer. */
  readonly approvals = new ApprovalQueue();
  /** The last decision per container since start, for the faces' container list. */
  readonly #lastDecision = new Map<string, DecisionRecord>();
  #policy: GuardPolicy;
  #unlock: (() => Promise<void>) | undefined;
  /** The last sweep in line; sweeps never overlap. */
  #sweeps: Promise<void> = Promise.resolve();
  #queuedSweep: Promise<void> | undefined;
  #nextSweep: Trigger | undefined;
  #ready = false;
  /** The unix socket this process serves the authorization plugin on, if it does. */
  #pluginSocket: string | undefined;
  #reconcileTimer: NodeJS.Timeout | undefined;
  /** The reconciliation in progress; another asked for meanwhile runs once after it. */
  #reconciling: Promise<void> | undefined;
  #reconcileAgain: Trigger | undefined;

  private constructor(readonly options: EngineOptions) {
    super();
    this.store = SettingsStore.open(options.configDir);
    const approvalsChanged = () => this.emit('approvals', this.approvals.pending());
    this.approvals.on('asked', approvalsChanged);
    this.approvals.on('settled', approvalsChanged);
    this.log = new DecisionLog(options.configDir);
    this.host = resolveDockerHost(
      options.dockerHost,
      options.hostEnvironment ?? realHostEnvironment(),
    );
    this.docker = createDockerClient(this.host);
    this.#policy = policyOf(this.store.get());
    this.#registry = new RegistryClient(options.registry ?? registryOptionsFromDocker());
    this.#verification = new VerificationService(
      this.#registry,
      options.validators ?? defaultValidators(),
    );
    this.#guard = new ContainerGuard(this.docker, new ImageFactsCache(this.docker), {
      policy: () => this.#policy,
      decided: (record, timings) => this.#record(record, timings),
      quarantined: (id, record) =>
        void this.#save((s) => ({ ...s, quarantine: { ...s.quarantine, [id]: record } }), false),
      unquarantined: (id) =>
        void this.#save(
          (s) => ({
            ...s,
            quarantine: Object.fromEntries(
              Object.entries(s.quarantine).filter(([key]) => key !== id),
            ),
          }),
          false,
        ),
      admit: (facts, image, refusal, record) => this.#admit(facts, image, refusal, record),
    });
    this.#monitor = new EventMonitor(this.docker, this.host.url, options.backoff);
    this.instances = new InstanceManager({
      docker: this.docker,
      settings: () => this.store.get(),
      save: (change, sweep) => this.#save(change, sweep),
      resolveTag: (reference) =>
        this.#registry.repository(reference).resolveTag(reference.tag ?? 'latest'),
      verify: (policy, reference, digest) => this.#verification.verify(policy, reference, digest),
      check: (allowlist) => this.#guard.check(allowlist),
      registryOptions: () => options.registry ?? registryOptionsFromDocker(),
      validators: options.validators ?? defaultValidators(),
    });
  }

  /** Opens the settings (throws SettingsFileError on a broken file) without enforcing yet. */
  static open(options: EngineOptions): Engine {
    return new Engine(options);
  }

  /** Tells the status that this process serves the authorization plugin (the daemon's job). */
  markPreventionServed(socketPath: string): void {
    this.#pluginSocket = socketPath;
  }

  get ready(): boolean {
    return this.#ready;
  }

  /**
   * Takes the config folder's lock and starts enforcing: subscribes to events first, then
   * sweeps, so nothing that starts in between slips by. Resolves once the lock is held;
   * `ready` follows after the first sweep (which waits for Docker if it is down).
   */
  async start(): Promise<void> {
    this.#unlock = await lockStore(this.options.configDir, {
      wait: true,
      onLost: (error) => this.emit('problem', error),
    });
    this.#monitor.on('state', (state) => this.emit('connection', state));
    this.#monitor.on('event', (event) => {
      if (!this.#policy.enabled) return;
      const done =
        event.action === 'create'
          ? this.#guard.prepare(event.containerId, event.receivedAt)
          : this.#guard.onRunning(event.containerId, event.action, event.receivedAt);
      done.catch((error: unknown) => this.emit('problem', error as Error));
    });
    this.#monitor.on('lost', () => void this.reconcile('sweep:lost-event'));
    this.#monitor.on('subscribed', () => {
      this.#ready = false;
      void this.sweep('sweep:connected').then(() => {
        if (this.#monitor.state.state !== 'connected' || this.#ready) return;
        this.#ready = true;
        this.emit('ready');
      });
    });
    // Managed containers are adopted (or started) once Docker is watched and swept.
    this.on('ready', () => {
      this.instances.adopt().catch((error: unknown) => this.emit('problem', error as Error));
    });
    this.#monitor.start();
    const interval = this.options.reconcileIntervalMs ?? RECONCILE_INTERVAL_MS;
    this.#reconcileTimer = setInterval(() => void this.reconcile('sweep:reconcile'), interval);
  }

  async stop(): Promise<void> {
    clearInterval(this.#reconcileTimer);
    this.#reconcileTimer = undefined;
    this.#monitor.stop();
    this.#monitor.removeAllListeners();
    await this.instances.settled();
    await this.#reconciling;
    await this.#sweeps;
    await this.#unlock?.();
    this.#unlock = undefined;
  }

  status(): EngineStatus {
    const settings = this.store.get();
    return {
      connection: this.#monitor.state,
      enforcement: settings.enforcement,
      notifications: settings.notifications,
      prevention: {
        ask: settings.prevention.ask,
        builds: settings.prevention.builds,
        plugin: preventionPlugin(
          (this.options.hostEnvironment ?? process).platform,
          this.host.url,
          this.#pluginSocket,
        ),
      },
      counts: {
        allowlist: settings.allowlist.length,
        quarantined: Object.keys(settings.quarantine).length,
      },
      enforcing: this.#unlock !== undefined,
      ready: this.#ready,
      configDir: this.options.configDir,
    };
  }

  /**
   * Sweeps every container. Resolves after a sweep that started after this call; calls made
   * while one is queued share it, so a burst of changes costs one more sweep, not one each.
   */
  sweep(trigger: Trigger): Promise<void> {
    this.#nextSweep = trigger;
    if (!this.#queuedSweep) {
      this.#queuedSweep = this.#sweeps.then(async () => {
        this.#queuedSweep = undefined; // from here on, a new call queues another sweep
        await this.#sweepOnce(this.#nextSweep ?? trigger);
      });
      this.#sweeps = this.#queuedSweep;
    }
    return this.#queuedSweep;
  }

  async #sweepOnce(trigger: Trigger): Promise<void> {
    if (!this.#policy.enabled) return;
    const started = performance.now();
    try {
      const containers = await this.#guard.sweep(trigger);
      this.emit('swept', { trigger, containers, durationMs: performance.now() - started });
    } catch (error) {
      this.emit('problem', new Error(`sweep failed: ${(error as Error).message}`));
    }
  }

  /**
   * Decides on the running containers not yet decided (events lost): one list call. Not in the
   * sweep queue, so a long sweep cannot hold it back; the guard acts on a container one task at
   * a time either way. Skipped while not connected: the reconnect sweeps everything.
   */
  reconcile(trigger: Trigger): Promise<void> {
    if (this.#reconciling) {
      this.#reconcileAgain = trigger;
      return this.#reconciling;
    }
    this.#reconciling = this.#reconcileOnce(trigger).finally(() => {
      this.#reconciling = undefined;
      const again = this.#reconcileAgain;
      this.#reconcileAgain = undefined;
      if (again) void this.reconcile(again);
    });
    return this.#reconciling;
  }

  async #reconcileOnce(trigger: Trigger): Promise<void> {
    const running = this.#reconcileTimer !== undefined; // started, and not stopped since
    if (!running || !this.#policy.enabled || this.#monitor.state.state !== 'connected') return;
    const started = performance.now();
    try {
      const { decided } = await this.#guard.reconcile(trigger);
      if (decided > 0)
        this.emit('swept', {
          trigger,
          containers: decided,
          durationMs: performance.now() - started,
        });
    } catch (error) {
      this.emit('problem', new Error(`reconciliation failed: ${(error as Error).message}`));
    }
  }

  check(): Promise<CheckReport> {
    return this.#guard.check().then((containers) => ({
      allAllowed: containers.every((c) => c.allowed),
      containers,
    }));
  }

  /**
   * Every container with the decision Gatehouse would make now, plus the ones it removed since
   * it started (they are gone from Docker, but the user needs to see what was blocked).
   */
  async listContainers(): Promise<ContainerView[]> {
    const verdicts = await this.#guard.check();
    const quarantine = this.store.get().quarantine;
    const present = new Set(verdicts.map((v) => v.containerId));
    const live = verdicts.map((v): ContainerView => {
      const last = this.#lastDecision.get(v.containerId);
      return {
        ...v,
        quarantined: v.containerId in quarantine,
        ...(last ? { lastDecision: last } : {}),
      };
    });
    const removed = [...this.#lastDecision.values()]
      .filter((r) => r.decision === 'removed' && !present.has(r.containerId))
      .map((r): ContainerView => ({
        containerId: r.containerId,
        containerName: r.containerName,
        imageRef: r.imageRef,
        imageId: r.imageId,
        digests: r.digests,
        state: 'removed',
        allowed: false,
        reason: r.reason,
        quarantined: false,
        lastDecision: r,
      }));
    return [...live, ...removed.reverse()];
  }

  /**
   * One-click approval: allowlists what the container runs (its registry digest, or its image
   * ID for a local image) and starts it again if it was quarantined.
   */
  async approveContainer(containerId: string, label?: string): Promise<ApproveResult> {
    const container = await this.docker
      .getContainer(containerId)
      .inspect()
      .catch((error: { statusCode?: number }) => {
        if (error.statusCode === 404) return undefined;
        throw error;
      });
    const known = [...this.#lastDecision.values()].find((r) =>
      r.containerId.startsWith(containerId),
    );
    let digest: string | undefined;
    let imageRef = known?.imageRef;
    if (container) {
      const image = await this.docker.getImage(container.Image).inspect();
      digest =
        (image.RepoDigests ?? []).map(digestOfRepoDigest).find((d) => d !== undefined) ?? image.Id;
      imageRef = container.Config.Image;
    } else if (known) digest = known.digests[0] ?? known.imageId;
    if (!digest || !isDigest(digest))
      throw new InvalidInputError(
        `container ${containerId} is not known to Docker or to this engine: nothing to approve`,
      );
    const wasQuarantined = container ? container.Id in this.store.get().quarantine : false;
    await this.addToAllowlist([digest], label ?? imageRef?.slice(0, 200));
    if (container && wasQuarantined) await this.docker.getContainer(container.Id).start();
    return { digest, restarted: !!container && wasQuarantined };
  }

  async addToAllowlist(entries: readonly string[], label?: string) {
    const items = entries.map((digest) => ({ digest, label }));
    const { settings, added, alreadyPresent } = addEntries(
      this.store.get(),
      items,
      'manual',
      new Date(),
    );
    await this.#save(() => settings);
    return { added, alreadyPresent };
  }

  async removeFromAllowlist(entries: readonly string[]) {
    const { settings, removed, notPresent } = removeEntries(this.store.get(), entries);
    await this.#save(() => settings);
    return { removed, notPresent };
  }

  async importAllowlist(text: string) {
    const { settings, added, alreadyPresent } = importText(this.store.get(), text, new Date());
    await this.#save(() => settings);
    return { added, alreadyPresent };
  }

  exportAllowlist(): string {
    return exportText(this.store.get());
  }

  async setEnforcement(enabled: boolean): Promise<EngineStatus> {
    await this.#save((s) => ({ ...s, enforcement: { ...s.enforcement, enabled } }));
    return this.status();
  }

  async setNotifications(enabled: boolean): Promise<EngineStatus> {
    await this.#save((s) => ({ ...s, notifications: { enabled } }), false);
    return this.status();
  }

  /**
   * Prevention settings: whether the plugin asks (see `approvals`) before refusing a create,
   * and whether builds may run while enforcing.
   */
  async setPrevention(change: {
    [K in keyof Settings['prevention']]?: Settings['prevention'][K] | undefined;
  }): Promise<EngineStatus> {
    const defined = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined));
    await this.#save((s) => ({ ...s, prevention: { ...s.prevention, ...defined } }), false);
    return this.status();
  }

  /** What the authorization plugin applies beyond the image policy (see EngineAuthzDecider). */
  preventionPolicy(): { enforcing: boolean; builds: BuildPolicy } {
    const policy = this.#policy;
    return {
      enforcing: policy.enabled && policy.mode !== 'audit',
      builds: this.store.get().prevention.builds,
    };
  }

  /**
   * Records a decision of the authorization plugin (prevention mode): a `prevented` record for
   * a refusal, an `allowed` one for what it let through, in the decision log and as a
   * `decision` event, as the guard's decisions. Never throws (the plugin answers dockerd right
   * after): a failure to write is reported as a problem. Returns the record.
   */
  recordPrevention(what: DecidedRequest, decision: AuthzDecision): DecisionRecord {
    const record = preventionRecord(what, decision);
    this.#record(record, {}, 'a prevention');
    return record;
  }

  /** Every decision: in the log first, remembered per container, then told to the faces. */
  #record(record: DecisionRecord, timings: ActionTimings = {}, what = 'a decision'): void {
    try {
      this.log.append(record);
    } catch (error) {
      // Never thrown at the guard or the plugin: the decision stands, the log missed it.
      this.emit(
        'problem',
        new Error(`could not record ${what}: ${(error as Error).message}`, { cause: error }),
      );
    }
    if (record.containerId) {
      this.#lastDecision.delete(record.containerId);
      this.#lastDecision.set(record.containerId, record);
      if (this.#lastDecision.size > 5_000)
        this.#lastDecision.delete(this.#lastDecision.keys().next().value ?? '');
    }
    this.emit('decision', record, timings);
  }

  /**
   * Answers a just-in-time question. Approving allowlists the digest first (so the reactive
   * guard allows the container too), then lets the waiting create proceed. False when the
   * question is no longer pending (answered elsewhere, timed out).
   */
  async answerApproval(
    id: string,
    approve: boolean,
    label?: string,
  ): Promise<{ answered: boolean }> {
    const pending = this.approvals.pending().find((a) => a.id === id);
    if (!pending) return { answered: false };
    if (approve)
      await this.addToAllowlist([pending.digest], label ?? pending.imageRef.slice(0, 200));
    return { answered: this.approvals.answer(id, approve) };
  }

  async setMode(mode: Mode): Promise<EngineStatus> {
    await this.#save((s) => ({ ...s, enforcement: { ...s.enforcement, mode } }));
    return this.status();
  }

  async addTrustPolicy(input: NewTrustPolicy): Promise<TrustPolicy> {
    const { settings, policy } = addPolicy(this.store.get(), input, new Date());
    this.#verification.forgetFailures();
    await this.#save(() => settings);
    return policy;
  }

  async removeTrustPolicy(name: string): Promise<{ removed: string }> {
    const settings = removePolicy(this.store.get(), name);
    this.#verification.forgetFailures();
    await this.#save(() => settings);
    return { removed: name };
  }

  /**
   * `gatehouse verify IMAGE`: resolves the image's digest in its registry (or takes the one it
   * names) and verifies it under its trust policy, without touching the allowlist.
   */
  async verifyImage(image: string): Promise<VerifyReport> {
    const reference = parseImageReference(image);
    const shown = `${reference.repository}${reference.tag ? `:${reference.tag}` : ''}`;
    const policy = findPolicy(this.store.get().trustPolicies, reference);
    if (!policy)
      return {
        ok: false,
        image: shown,
        verdicts: [],
        reason: `no trust policy covers ${reference.repository}`,
      };
    let digest = reference.digest;
    try {
      digest ??= await this.#registry.repository(reference).resolveTag(reference.tag ?? 'latest');
    } catch (error) {
      return {
        ok: false,
        image: shown,
        policy: policy.name,
        verdicts: [],
        reason: (error as Error).message,
      };
    }
    if (!isDigest(digest)) throw new Error(`the registry gave ${digest}, which is not a digest`);
    const verdict = await this.#verification.verify(policy, reference, digest);
    return {
      ok: verdict.ok,
      image: shown,
      digest,
      policy: policy.name,
      verdicts: verdict.verdicts.map(({ kind, ok, reason, signer }) => ({
        kind,
        ok,
        reason,
        ...(signer ? { signer } : {}),
      })),
      reason: verdict.reason,
    };
  }

  /**
   * Prevention (the authorization plugin): decides on an image before a container of it is
   * created or runs, with the guard's policy (allowlist, then trust policies and signature
   * verification; a verified signature is recorded). `enforcing` is false when enforcement is
   * off or in audit mode: the plugin then lets everything through, the guard reports.
   */
  async decideImageForAdmission(
    imageRef: string,
    image: ImageFacts,
  ): Promise<{ enforcing: boolean; verdict: Verdict }> {
    const policy = this.#policy;
    const { enforcing } = this.preventionPolicy();
    const refusal = decideImageByAllowlist(image, policy.allowlist);
    if (refusal.allowed || !enforcing) return { enforcing, verdict: refusal };
    const facts: ContainerFacts = {
      id: '',
      name: '',
      imageRef,
      imageId: image.imageId,
      running: false,
      state: 'authz',
    };
    return { enforcing, verdict: await this.#admit(facts, image, refusal, true) };
  }

  async #admit(
    facts: ContainerFacts,
    image: ImageFacts,
    refusal: Verdict,
    record: boolean,
  ): Promise<Verdict> {
    const policies = this.store.get().trustPolicies;
    if (!policies.length) return refusal;
    const admission: Admission = await admitBySignature(
      facts.imageRef,
      image,
      policies,
      this.#verification,
    );
    if (admission.kind !== 'verified')
      return { allowed: false, reason: `${refusal.reason}; ${admission.reason}` };
    const passed = admission.verdict.verdicts.filter((v) => v.ok);
    const validator = passed.map((v) => v.kind).join('+');
    const signer = passed.map((v) => v.signer ?? v.kind).join(', ');
    if (record) {
      const verifiedAt = new Date().toISOString();
      void this.#save(
        (s) =>
          s.allowlist.some((e) => e.digest === admission.digest)
            ? s
            : {
                ...s,
                allowlist: [
                  ...s.allowlist,
                  {
                    digest: admission.digest,
                    addedAt: verifiedAt,
                    source: 'signature',
                    label: `${admission.reference.repository} signed by ${signer}`.slice(0, 200),
                    signature: { policy: admission.policy.name, validator, signer, verifiedAt },
                  },
                ],
              },
        false,
      );
    }
    return {
      allowed: true,
      reason: admission.verdict.reason,
      allowedBy: {
        kind: 'signature',
        digest: admission.digest,
        policy: admission.policy.name,
        validator,
        signer,
      },
    };
  }

  /**
   * Writes a change; when the policy changed and the engine enforces, sweeps every container
   * and resolves after that sweep, so a caller sees the change applied.
   */
  async #save(change: (s: Settings) => Settings, sweep = true): Promise<void> {
    const settings = this.store.update(change);
    this.#policy = policyOf(settings);
    this.emit('settings', settings);
    if (sweep && this.#unlock) await this.sweep('sweep:policy-changed');
  }
}

function policyOf(settings: Settings): GuardPolicy {
  return {
    enabled: settings.enforcement.enabled,
    mode: settings.enforcement.mode,
    allowlist: effectiveAllowlist(settings.allowlist, settings.instances),
    quarantine: settings.quarantine,
  };
}
