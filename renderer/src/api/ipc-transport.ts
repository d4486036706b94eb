import { ApiCallError } from './errors.js';
import type { GatehouseApi, GatehouseClient } from './types.js';

/** The Electron transport: the preload's `window.gatehouse`, with errors normalised. */
export function createIpcTransport(bridge: GatehouseApi): GatehouseClient {
  return {
    transport: 'ipc',
    async call(channel, request) {
      try {
        return await bridge.call(channel, request);
      } catch (error) {
        throw ApiCallError.from(error);
      }
    },
    on(event, listener) {
      return bridge.on(event, listener);
    },
    onLiveState(listener) {
      listener('open');
      return () => {};
    },
  };
}
