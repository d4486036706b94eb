import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { build } from 'vite';
import { beforeAll, describe, expect, it, vi } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
let bundle = '';

beforeAll(async () => {
  const outDir = mkdtempSync(join(tmpdir(), 'gatehouse-preload-'));
  await build({
    configFile: join(root, 'build', 'preload.vite.config.ts'),
    build: { outDir },
    logLevel: 'error',
  });
  bundle = readFileSync(join(outDir, 'index.cjs'), 'utf8');
}, 60_000);

/**
 * Runs the bundle as a sandboxed preload would: CommonJS, a `require` that knows only
 * `electron`, no Node globals (no process, Buffer, import).
 */
function runPreload() {
  const exposed = new Map<string, unknown>();
  const invoke = vi.fn(async () => ({ result: { ok: true } }));
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
    ipcRenderer: { invoke, on: vi.fn(), removeListener: vi.fn() },
  };
  const required: string[] = [];
  const require = (id: string) => {
    required.push(id);
    if (id !== 'electron') throw new Error(`a sandboxed preload cannot require ${id}`);
    return electron;
  };
  const module = { exports: {} };
  runInNewContext(bundle, { require, module, exports: module.exports });
  return { exposed, required, invoke };
}

describe('the preload bundle (build/preload.vite.config.ts)', () => {
  it('is one CommonJS file that requires nothing but electron', () => {
    expect(bundle).not.toMatch(/^\s*(import|export)\s/m);
    const { required } = runPreload();
    expect(required).toEqual(['electron']);
  });

  it('exposes window.gatehouse, wired to the API channels', async () => {
    const { exposed, invoke } = runPreload();
    expect([...exposed.keys()]).toEqual(['gatehouse']);
    const api = exposed.get('gatehouse') as { call(c: string, r: unknown): Promise<unknown> };
    await expect(api.call('status.get', {})).resolves.toEqual({ ok: true });
    expect(invoke).toHaveBeenCalledWith('gatehouse:api:status.get', {});
  });

  it('does not carry zod or the schemas into the renderer process', () => {
    expect(bundle.length).toBeLessThan(20_000);
    expect(bundle).not.toMatch(/ZodError|\$Zod|safeParse/);
  });
});
