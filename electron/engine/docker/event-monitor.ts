import { EventEmitter } from 'node:events';
import type Docker from 'dockerode';
import { z } from 'zod';
import type { ConnectionState } from '../../../shared/api/schemas.js';
import { EventLineSplitter } from './event-lines.js';

/** Container events that mean a container is about to run, or just began to. */
export const WATCHED_ACTIONS = ['create', 'start', 'unpause', 'restart'] as const;
export type WatchedAction = (typeof WATCHED_ACTIONS)[number];

export interface ContainerEvent {
  action: WatchedAction;
  containerId: string;
  /** When the engine received it (ms since the epoch, high resolution). */
  receivedAt: number;
}

const eventSchema = z
  .object({
    Type: z.literal('container'),
    Action: z.enum(WATCHED_ACTIONS),
    Actor: z.object({ ID: z.string().regex(/^[0-9a-f]{64}$/) }).loose(),
  })
  .loose();

interface MonitorEvents {
  event: [ContainerEvent];
  state: [ConnectionState];
  /** Subscribed to events (again): the engine sweeps now, so nothing started in between slips by. */
  subscribed: [];
  /** The stream carried something that may have been a watched event but was not read: catch up. */
  lost: [reason: string];
}

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/**
 * Watches Docker's container events for as long as it runs. Unlike Kura's monitor, which
 * died for good on the first error, it reconnects with exponential backoff when the stream
 * ends or the daemon restarts, and says so through `state`.
 */
export class EventMonitor extends EventEmitter<MonitorEvents> {
  #state: ConnectionState;
  #stream: NodeJS.ReadableStream | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;
  #delay: number;
  #retrying = false;

  constructor(
    private readonly docker: Docker,
    private readonly hostLabel: string,
    private readonly backoff: Backoff = { initialMs: 200, maxMs: 10_000 },
  ) {
    super();
    this.#delay = backoff.initialMs;
    this.#state = {
      state: 'disconnected',
      dockerHost: hostLabel,
      since: new Date().toISOString(),
      error: 'not watching: this engine has not been started',
    };
  }

  get state(): ConnectionState {
    return this.#state;
  }

  start(): void {
    this.#stopped = false;
    void this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const stream = this.#stream as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined;
    stream?.destroy?.();
    this.#stream = undefined;
  }

  async #connect(): Promise<void> {
    // While retrying, the state stays `disconnected` (with the last error) until it works.
    if (!this.#retrying) this.#setState({ state: 'connecting' });
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.docker.getEvents({
        filters: { type: ['container'], event: [...WATCHED_ACTIONS] },
      });
    } catch (error) {
      this.#retry(error);
      return;
    }
    if (this.#stopped) {
      (stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
      return;
    }
    this.#stream = stream;
    const lines = new EventLineSplitter();
    stream.on('data', (chunk: Buffer) => {
      for (const line of lines.push(chunk)) {
        if (line.kind === 'line') this.#dispatch(line.text);
        else this.emit('lost', `an event of ${line.bytes} bytes was too large to read`);
      }
    });
    const ended = (error?: unknown) => {
      if (this.#stream !== stream) return;
      this.#stream = undefined;
      this.#retry(
        error ?? new Error('the Docker event stream ended (daemon stopped or restarted?)'),
      );
    };
    stream.on('end', () => ended());
    stream.on('close', () => ended());
    stream.on('error', (error) => ended(error));
    this.#delay = this.backoff.initialMs;
    this.#retrying = false;
    this.#setState({ state: 'connected' });
    this.emit('subscribed');
  }

  #dispatch(line: string): void {
    const receivedAt = performance.timeOrigin + performance.now();
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      this.emit('lost', 'an event was not valid JSON');
      return;
    }
    const parsed = eventSchema.safeParse(json);
    if (parsed.success)
      this.emit('event', {
        action: parsed.data.Action,
        containerId: parsed.data.Actor.ID,
        receivedAt,
      });
  }

  #retry(error: unknown): void {
    if (this.#stopped) return;
    this.#retrying = true;
    const delay = this.#delay;
    this.#delay = Math.min(this.#delay * 2, this.backoff.maxMs);
    this.#setState({
      state: 'disconnected',
      error: error instanceof Error ? error.message : String(error),
      nextRetryAt: new Date(Date.now() + delay).toISOString(),
    });
    this.#timer = setTimeout(() => void this.#connect(), delay);
  }

  #setState(next: Pick<ConnectionState, 'state' | 'error' | 'nextRetryAt'>): void {
    const state: ConnectionState = {
      state: next.state,
      dockerHost: this.hostLabel,
      since: new Date().toISOString(),
      ...(next.error ? { error: next.error } : {}),
      ...(next.nextRetryAt ? { nextRetryAt: next.nextRetryAt } : {}),
    };
    if (state.state === this.#state.state && state.error === this.#state.error) return;
    this.#state = state;
    this.emit('state', state);
  }
}
