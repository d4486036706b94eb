import type { ApiEvents } from '../../../shared/api/channels.js';
import type { ConnectionState, DecisionRecord } from '../../../shared/api/schemas.js';
import type { EngineEventSource } from '../../engine/browser-bridge/event-bridge.js';

export type EventSink = <E extends keyof ApiEvents>(event: E, data: ApiEvents[E]) => void;

/**
 * The engine's events as the faces' ApiEvents (the same mapping browser mode's EventBridge
 * uses): a decision also means the container list changed, a sweep likewise; settings are
 * announced, not sent (the renderer refetches what it shows). Returns the unsubscribe.
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
