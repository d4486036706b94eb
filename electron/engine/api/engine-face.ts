import type { EngineStatus } from '../../../shared/api/channels.js';
import type { Engine } from '../engine.js';
import { forwardEngineEvents, type ApiEventMessage } from './api-events.js';
import { engineHandlers, type ApiHandlers } from './api-handlers.js';

/**
 * What a face (the desktop app) needs of an engine, wherever it runs: in this process, or in
 * a daemon reached over its control socket (RemoteEngine). The API is the same handlers;
 * events arrive as the faces' ApiEvents.
 */
export interface EngineFace {
  /** `local`: this process runs the engine; `attached`: a daemon does, this is its face. */
  readonly kind: 'local' | 'attached';
  readonly handlers: ApiHandlers;
  /** The engine's status, at once (the tray redraws from it); the last known when attached. */
  status(): EngineStatus;
  /** Every event from now on; returns the unsubscribe. */
  subscribe(listener: (message: ApiEventMessage) => void): () => void;
  /** Stops a local engine; an attached face only stops listening (the daemon goes on). */
  close(): Promise<void>;
}

/** A face over an engine this process runs; `stop` ends it (and what serves it). */
export function localFace(engine: Engine, stop: () => Promise<void>): EngineFace {
  return {
    kind: 'local',
    handlers: engineHandlers(engine),
    status: () => engine.status(),
    subscribe: (listener) =>
      forwardEngineEvents(engine, (event, data) => listener({ event, data } as ApiEventMessage)),
    close: stop,
  };
}
