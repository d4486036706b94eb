import { contextBridge, ipcRenderer } from 'electron';
import { buildGatehouseApi } from './gatehouse-api.js';

/**
 * The preload: exposes `window.gatehouse` and nothing else. It runs sandboxed with context
 * isolation, so it is bundled into one CommonJS file (build/preload.vite.config.ts →
 * dist/electron/preload/index.cjs) whose only import is `electron`.
 */
contextBridge.exposeInMainWorld('gatehouse', buildGatehouseApi(ipcRenderer));
