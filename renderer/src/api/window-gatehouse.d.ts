import type { GatehouseApi } from './types.js';

/**
 * The one declaration of `window.gatehouse`: the Electron preload exposes this object with
 * contextBridge.exposeInMainWorld('gatehouse', ...). It is absent in browser mode, where
 * renderer/src/api/bridge-transport.ts implements the same interface over HTTP + WebSocket.
 *
 * Contract for the preload (electron/preload):
 * - call(channel, request) resolves to the channel's result (ApiResults in shared/api) and
 *   rejects with `{ code, message, problems }` (an Error with those properties, or a plain
 *   object, since contextBridge keeps only `message` of an Error);
 * - on(event, listener) subscribes to a pushed event (ApiEvents) and returns an unsubscribe
 *   function.
 */
declare global {
  interface Window {
    gatehouse?: GatehouseApi;
  }
}

export {};
