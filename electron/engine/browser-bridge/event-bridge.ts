import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import {
  forwardEngineEvents,
  type ApiEventMessage,
  type EngineEventSource,
} from '../api/api-events.js';
import { EVENTS_PROTOCOL } from './access-guard.js';

/** One WebSocket text frame: JSON of this. */
export type BridgeEventMessage = ApiEventMessage;

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
    this.#unsubscribe = forwardEngineEvents(events, (event, data) =>
      this.#send({ event, data } as BridgeEventMessage),
    );
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
