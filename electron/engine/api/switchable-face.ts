import { EventEmitter } from 'node:events';
import type { EngineStatus } from '../../../shared/api/channels.js';
import type { ApiEventMessage } from './api-events.js';
import { ApiError, handlersVia, type ApiHandlers } from './api-handlers.js';
import type { EngineFace } from './engine-face.js';

/**
 * The desktop app's engine, which can change while the app runs: its own engine hands over to
 * a daemon that starts on the folder, and the app goes on as that daemon's face. Listeners and
 * the IPC handlers stay registered across the switch; after it they are told to refetch.
 */
export class SwitchableFace implements EngineFace {
  readonly handlers: ApiHandlers;
  readonly #emitter = new EventEmitter<{ message: [ApiEventMessage] }>();
  /** Undefined while switching: the old engine has released the folder, the next is not up. */
  #current: EngineFace | undefined;
  /** The status shown while switching: the last engine's. */
  #last: EngineFace;
  #unsubscribe: () => void = () => undefined;

  constructor(first: EngineFace) {
    this.#last = first;
    this.#use(first);
    this.handlers = handlersVia((channel, request) => {
      const face = this.#current;
      if (!face)
        return Promise.reject(
          new ApiError(
            'failed',
            'Gatehouse is handing its engine over to the daemon; try again in a moment',
          ),
        );
      return (face.handlers[channel] as (request: unknown) => Promise<unknown>)(request);
    });
  }

  get kind(): EngineFace['kind'] {
    return this.#last.kind;
  }

  status(): EngineStatus {
    return this.#last.status();
  }

  subscribe(listener: (message: ApiEventMessage) => void): () => void {
    this.#emitter.on('message', listener);
    return () => this.#emitter.off('message', listener);
  }

  /** Closes the current engine (a local one releases the folder), then uses what `open` gives. */
  async switchTo(open: () => Promise<EngineFace>): Promise<void> {
    const old = this.#current;
    this.#current = undefined;
    this.#unsubscribe();
    await old?.close();
    this.#use(await open());
    for (const event of ['settings', 'containers', 'approvals'] as const)
      this.#emitter.emit('message', { event, data: {} });
    this.#emitter.emit('message', { event: 'connection', data: this.status().connection });
  }

  async close(): Promise<void> {
    this.#unsubscribe();
    const face = this.#current;
    this.#current = undefined;
    await face?.close();
  }

  #use(face: EngineFace): void {
    this.#current = face;
    this.#last = face;
    this.#unsubscribe = face.subscribe((message) => this.#emitter.emit('message', message));
  }
}
