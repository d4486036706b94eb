import { createBridgeTransport } from './bridge-transport.js';
import { createIpcTransport } from './ipc-transport.js';
import type { GatehouseClient } from './types.js';

export { ApiCallError } from './errors.js';
export type * from './types.js';

/**
 * The renderer's one way to the engine: the Electron preload's `window.gatehouse` when
 * present, else the browser bridge of `gatehouse daemon --ui`.
 */
export function createGatehouseClient(): GatehouseClient {
  const preload = window.gatehouse;
  return preload ? createIpcTransport(preload) : createBridgeTransport();
}
