import type { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { ApiEvents } from '../../../shared/api/channels.js';
import type { ConnectionState, DecisionRecord } from '../../../shared/api/schemas.js';
import type { EngineEvents } from '../engine.js';
import { EVENTS_PROTOCOL } from './access-guard.js';

/** The engine, or anything that emits its events (the unit tests' fake). */
export type EngineEventSource = Pick<EventEmitter<EngineEvents>, 'on' | 'off'>;

/** One WebSocket text frame: JSON of this. */
export type BridgeEventMessage = {
  [K in keyof ApiEvents]: { event: K; data: ApiEvents[K] };
}[keyof ApiEvents];

/** A client this far behind has stopped reading: it is dropped rather than buffered for. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/** Pushes the engine's events, as the faces' ApiEvents, to every connected WebSocket. */
export class EventBridge {
  readonly #wss = new WebSocketServer({
    noServer: true,
    // Clients only listen; anything they send is ignored, so it may as well be tiny.
    maxPayload: 4096,
    handleProtocols: (offered) => (offered.has(EVENTS_PROTOCOL) ? EVENTS_PROTOCOL : false),
  });
  readonly #unsubscribe: () => void;

  constructor(events: EngineEventSource) {
    const decision = (record: DecisionRecord) => {
      this.#send({ event: 'decision', data: record });
      this.#send({ event: 'containers', data: {} });
    };
    const connection = (state: ConnectionState) => this.#send({ event: 'connection', data: state });
    // The settings themselves stay in the engine: clients refetch what they show.
    const settings = () => this.#send({ event: 'settings', data: {} });
    const swept = () => this.#send({ event: 'containers', data: {} });
    const approvals = () => this.#send({ event: 'approvals', data: {} });
    events.on('decision', decision);
    events.on('connection', connection);
    events.on('settings', settings);
    events.on('swept', swept);
    events.on('approvals', approvals);
    this.#unsubscribe = () => {
      events.off('decision', decision);
      events.off('connection', connection);
      events.off('settings', settings);
      events.off('swept', swept);
      events.off('approvals', approvals);
    };
  }

  /** Completes a handshake the caller has already authorised. */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#wss.handleUpgrade(req, socket, head, (ws) => ws.on('error', () => ws.terminate()));
  }

  close(): void {
    this.#unsubscribe();
    for (const ws of this.#wss.clients) ws.terminate();
    this.#wss.close();
  }

  #send(message: BridgeEventMessage): void {
    const frame = JSON.stringify(message);
    for (const ws of this.#wss.clients) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) ws.terminate();
      else ws.send(frame);
    }
  }
}
