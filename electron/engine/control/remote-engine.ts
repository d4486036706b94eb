import { EventEmitter } from 'node:events';
import type { ApiRequest, EngineStatus } from '../../../shared/api/channels.js';
import type { ConnectionState } from '../../../shared/api/schemas.js';
import type { ApiEventMessage } from '../api/api-events.js';
import { handlersVia, type ApiHandlers } from '../api/api-handlers.js';
import type { EngineFace } from '../api/engine-face.js';
import {
  callEngine,
  followEngineEvents,
  NoEngineError,
  type EventFollower,
} from './control-client.js';
import { controlSocketPath } from './control-socket.js';

/** Waits between attempts to reach a daemon that stopped answering (its watchdog restarts it). */
const RETRY_MS = [250, 500, 1_000, 2_000, 5_000];
/**
 * Events after which the status the face keeps (enforcement, notifications, counts,
 * connection) may have changed. Not decisions: a quarantine record is a settings change of its
 * own, and a storm of decisions must not cost a status call each.
 */
const STATUS_EVENTS = new Set<ApiEventMessage['event']>(['settings', 'connection']);

/**
 * The face of an engine that a daemon runs (`gatehouse daemon`, often supervised and serving
 * the authorization plugin): calls go over its control socket, events come from its stream.
 * Nothing is replayed when the stream is reopened after the daemon restarted, so listeners are
 * then told to refetch everything. While the daemon does not answer, the status says so.
 */
export class RemoteEngine implements EngineFace {
  readonly kind = 'attached';
  readonly handlers: ApiHandlers;
  readonly #emitter = new EventEmitter<{ message: [ApiEventMessage] }>();
  #status: EngineStatus;
  /** Set while the daemon does not answer: what the status reports as its connection. */
  #down: ConnectionState | undefined;
  #follower: EventFollower | undefined;
  #retry: NodeJS.Timeout | undefined;
  #attempt = 0;
  #closed = false;
  /** Incoming events are handled in order, each after the status refresh it calls for. */
  #queue: Promise<void> = Promise.resolve();

  /** Set by `lost`: fires once the daemon has not answered for its `afterMs`. */
  #lostTimer: NodeJS.Timeout | undefined;

  /**
   * The face of the daemon running on this config folder, or undefined when none answers.
   * `lost.then` is called once the daemon has been away for `lost.afterMs` in a row (stopped
   * for good: a watchdog brings a crashed one back sooner).
   */
  static async attach(
    configDir: string,
    lost?: { afterMs: number; then: () => void },
  ): Promise<RemoteEngine | undefined> {
    const socketPath = controlSocketPath(configDir);
    try {
      const status = await callEngine(socketPath, 'status.get', {}, 5_000);
      return new RemoteEngine(socketPath, status, lost);
    } catch (error) {
      if (error instanceof NoEngineError) return undefined;
      throw error;
    }
  }

  private constructor(
    readonly socketPath: string,
    status: EngineStatus,
    private readonly lost?: { afterMs: number; then: () => void },
  ) {
    this.#status = status;
    this.handlers = handlersVia((channel, request) =>
      callEngine(socketPath, channel, request as ApiRequest<typeof channel>),
    );
    this.#follow();
  }

  status(): EngineStatus {
    if (!this.#down) return this.#status;
    return { ...this.#status, connection: this.#down, enforcing: false, ready: false };
  }

  subscribe(listener: (message: ApiEventMessage) => void): () => void {
    this.#emitter.on('message', listener);
    return () => this.#emitter.off('message', listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    clearTimeout(this.#lostTimer);
    this.#follower?.close();
    await this.#queue;
  }

  #follow(): void {
    this.#follower = followEngineEvents(this.socketPath, {
      onOpen: () => {
        const wasDown = this.#down !== undefined;
        this.#attempt = 0;
        this.#down = undefined;
        clearTimeout(this.#lostTimer);
        this.#lostTimer = undefined;
        if (!wasDown) return;
        // Back after a restart: whatever a face shows may have changed meanwhile.
        this.#enqueue(async () => {
          await this.#refreshStatus();
          for (const event of ['settings', 'containers', 'approvals'] as const)
            this.#emit({ event, data: {} });
          this.#emit({ event: 'connection', data: this.#status.connection });
        });
      },
      onEvent: (message) =>
        this.#enqueue(async () => {
          if (STATUS_EVENTS.has(message.event)) await this.#refreshStatus();
          this.#emit(message);
        }),
      onEnd: (reason) => {
        if (this.#closed) return;
        const delay = RETRY_MS[Math.min(this.#attempt++, RETRY_MS.length - 1)] ?? 5_000;
        const now = Date.now();
        this.#down = {
          state: 'disconnected',
          dockerHost: this.#status.connection.dockerHost,
          since: this.#down?.since ?? new Date(now).toISOString(),
          error: `the Gatehouse daemon does not answer on ${this.socketPath} (${reason}); retrying`,
          nextRetryAt: new Date(now + delay).toISOString(),
        };
        const state = this.#down;
        this.#enqueue(async () => this.#emit({ event: 'connection', data: state }));
        if (this.lost && !this.#lostTimer)
          this.#lostTimer = setTimeout(this.lost.then, this.lost.afterMs);
        this.#retry = setTimeout(() => this.#follow(), delay);
      },
    });
  }

  async #refreshStatus(): Promise<void> {
    try {
      this.#status = await callEngine(this.socketPath, 'status.get', {}, 5_000);
    } catch {
      // The stream's end reports an unreachable daemon; the last status stands until then.
    }
  }

  #enqueue(step: () => Promise<void>): void {
    // A listener's error surfaces as it would from any emitter, and later events still flow.
    this.#queue = this.#queue.then(step).catch((error: unknown) =>
      queueMicrotask(() => {
        throw error;
      }),
    );
  }

  #emit(message: ApiEventMessage): void {
    if (!this.#closed) this.#emitter.emit('message', message);
  }
}
