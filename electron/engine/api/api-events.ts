import type { EventEmitter } from 'node:events';
import { z } from 'zod';
import {
  apiEventNames,
  apiEventSchemas,
  type ApiEventName,
  type ApiEvents,
} from '../../../shared/api/channels.js';
import type { ConnectionState, DecisionRecord } from '../../../shared/api/schemas.js';
import type { EngineEvents } from '../engine.js';

/** The engine, or anything that emits its events (the unit tests' fake). */
export type EngineEventSource = Pick<EventEmitter<EngineEvents>, 'on' | 'off'>;

export type EventSink = <E extends keyof ApiEvents>(event: E, data: ApiEvents[E]) => void;

/** One event as the faces receive it over a stream (WebSocket frame, control-socket line). */
export type ApiEventMessage = {
  [K in keyof ApiEvents]: { event: K; data: ApiEvents[K] };
}[keyof ApiEvents];

/**
 * The engine's events as the faces' ApiEvents, the one mapping for IPC, browser mode and the
 * control socket: a decision also means the container list changed, a sweep likewise;
 * settings are announced, not sent (a face refetches what it shows). Returns the unsubscribe.
 */
export function forwardEngineEvents(engine: EngineEventSource, send: EventSink): () => void {
  const decision = (record: DecisionRecord) => {
    send('decision', record);
    send('containers', {});
  };
  const connection = (state: ConnectionState) => send('connection', state);
  const settings = () => send('settings', {});
  const swept = () => send('containers', {});
  const approvals = () => send('approvals', {});
  engine.on('decision', decision);
  engine.on('connection', connection);
  engine.on('settings', settings);
  engine.on('swept', swept);
  engine.on('approvals', approvals);
  return () => {
    engine.off('decision', decision);
    engine.off('connection', connection);
    engine.off('settings', settings);
    engine.off('swept', swept);
    engine.off('approvals', approvals);
  };
}

const messageSchemaOf = <E extends ApiEventName>(event: E) =>
  z.object({ event: z.literal(event), data: apiEventSchemas[event] });
const apiEventMessageSchema = z.union(apiEventNames.map(messageSchemaOf));

/** An event received from another process, checked: undefined for anything else. */
export function parseApiEventMessage(text: string): ApiEventMessage | undefined {
  try {
    const parsed = apiEventMessageSchema.safeParse(JSON.parse(text));
    return parsed.success ? (parsed.data as ApiEventMessage) : undefined;
  } catch {
    return undefined;
  }
}
