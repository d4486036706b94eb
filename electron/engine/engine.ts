import { EventEmitter } from 'node:events';
import type Docker from 'dockerode';
import type { CheckReport, EngineStatus } from '../../shared/api/channels.js';
import type { ConnectionState, DecisionRecord, Mode, Settings } from '../../shared/api/schemas.js';
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
import { addEntries, exportText, importText, removeEntries } from './policy/allowlist-editor.js';
import { indexAllowlist } from './policy/allowlist-policy.js';
import { SettingsStore } from './store/settings-store.js';
import { lockStore } from './store/store-lock.js';

export interface EngineOptions {
  configDir: string;
  /** --docker-host; otherwise DOCKER_HOST, the docker context, the platform default. */
  dockerHost?: string | undefined;
  hostEnvironment?: HostEnvironment;
  backoff?: Backoff;
}

export interface EngineEvents {
  decision: [DecisionRecord, ActionTimings];
  connection: [ConnectionState];
  /** A sweep finished: `ready` after the first one following a (re)subscription. */
  swept: [{ trigger: Trigger; containers: number; durationMs: number }];
  ready: [];
  settings: [Settings];
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
  readonly #closeDocker: () => void;
  #policy: GuardPolicy;
  #unlock: (() => Promise<void>) | undefined;
  /** The last sweep in line; sweeps never overlap. */
  #sweeps: Promise<void> = Promise.resolve();
  #queuedSweep: Promise<void> | undefined;
  #nextSweep: Trigger | undefined;
  #ready = false;

  private constructor(readonly options: EngineOptions) {
    super();
    this.store = SettingsStore.open(options.configDir);
    this.log = new DecisionLog(options.configDir);
    this.host = resolveDockerHost(
      options.dockerHost,
      options.hostEnvironment ?? realHostEnvironment(),
    );
    const client = createDockerClient(this.host);
    this.docker = client.docker;
    this.#closeDocker = client.close;
    this.#policy = policyOf(this.store.get());
    this.#guard = new ContainerGuard(this.docker, new ImageFactsCache(this.docker), {
      policy: () => this.#policy,
      decided: (record, timings) => {
        this.log.append(record);
        this.emit('decision', record, timings);
      },
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
    });
    this.#monitor = new EventMonitor(this.docker, this.host.url, options.backoff);
  }

  /** Opens the settings (throws SettingsFileError on a broken file) without enforcing yet. */
  static open(options: EngineOptions): Engine {
    return new Engine(options);
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
          ? this.#guard.prepare(event.containerId)
          : this.#guard.onRunning(event.containerId, event.action, event.receivedAt);
      done.catch((error: unknown) => this.emit('problem', error as Error));
    });
    this.#monitor.on('subscribed', () => {
      this.#ready = false;
      void this.sweep('sweep:connected').then(() => {
        if (this.#monitor.state.state !== 'connected' || this.#ready) return;
        this.#ready = true;
        this.emit('ready');
      });
    });
    this.#monitor.start();
  }

  async stop(): Promise<void> {
    this.#monitor.stop();
    this.#monitor.removeAllListeners();
    await this.#sweeps;
    await this.#unlock?.();
    this.#unlock = undefined;
    this.#closeDocker();
  }

  status(): EngineStatus {
    const settings = this.store.get();
    return {
      connection: this.#monitor.state,
      enforcement: settings.enforcement,
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

  check(): Promise<CheckReport> {
    return this.#guard.check().then((containers) => ({
      allAllowed: containers.every((c) => c.allowed),
      containers,
    }));
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

  async setMode(mode: Mode): Promise<EngineStatus> {
    await this.#save((s) => ({ ...s, enforcement: { ...s.enforcement, mode } }));
    return this.status();
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
    allowlist: indexAllowlist(settings.allowlist),
    quarantine: settings.quarantine,
  };
}
