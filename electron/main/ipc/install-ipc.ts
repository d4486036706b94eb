import { ipcMain } from 'electron';
import type { ApiHandlers } from '../../engine/api/api-handlers.js';
import { registerApiHandlers, type RegisterOptions, type SenderCheck } from './handle.js';

/**
 * Registers the API on the real ipcMain. With the preload, this folder is the only place
 * allowed to import ipcMain/ipcRenderer (an ESLint rule); the composition root calls this.
 * Not unit-tested: it only passes Electron's ipcMain to registerApiHandlers, which is.
 */
export function installApiIpc(
  handlers: ApiHandlers,
  isTrustedSender: SenderCheck,
  options: RegisterOptions = {},
): () => void {
  return registerApiHandlers(ipcMain, handlers, isTrustedSender, options);
}
