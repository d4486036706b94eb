import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Mode } from '../../../shared/api/schemas.js';
import { Engine, type EngineOptions } from '../../../electron/engine/engine.js';
import { DEFAULT_SETTINGS, SettingsStore } from '../../../electron/engine/store/settings-store.js';
import type { Backoff } from '../../../electron/engine/docker/event-monitor.js';

/** A config folder with the given policy already saved. */
export function configDirWith(policy: { enabled?: boolean; mode: Mode; allow?: string[] }): string {
  const dir = mkdtempSync(join(tmpdir(), 'gh-cfg-'));
  SettingsStore.open(dir).update(() => ({
    ...DEFAULT_SETTINGS,
    enforcement: { enabled: policy.enabled ?? true, mode: policy.mode },
    allowlist: (policy.allow ?? []).map((digest) => ({
      digest: digest as `sha256:${string}`,
      addedAt: new Date().toISOString(),
      source: 'manual' as const,
    })),
  }));
  return dir;
}

/** Starts an engine on a private config folder and resolves once it is ready. */
export async function startEngine(
  configDir: string,
  dockerHost: string,
  backoff?: Backoff,
  options: Partial<EngineOptions> = {},
): Promise<Engine> {
  const engine = Engine.open({
    ...options,
    configDir,
    dockerHost,
    ...(backoff ? { backoff } : {}),
  });
  const ready = once(engine, 'ready');
  await engine.start();
  await ready;
  return engine;
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const CLI = resolve(import.meta.dirname, '../../../dist/electron/cli/index.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `gatehouse` command, as a user would. */
export async function gatehouse(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const [code] = (await once(child, 'close')) as [number];
  return { code, stdout, stderr };
}

export { CLI };

/** Starts the built `gatehouse daemon ARGS` on a config folder and Docker; `output` gets what it prints. */
export function spawnDaemon(
  configDir: string,
  dockerHost: string,
  args: string[],
  output: (text: string) => void,
): ChildProcess {
  const child = spawn(process.execPath, [
    CLI,
    ...['--config-dir', configDir, '--docker-host', dockerHost, 'daemon', ...args],
  ]);
  child.stdout.on('data', (b: Buffer) => output(b.toString()));
  child.stderr.on('data', (b: Buffer) => output(b.toString()));
  return child;
}
