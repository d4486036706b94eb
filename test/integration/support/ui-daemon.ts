import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { CLI, waitFor } from './engine-harness.js';

export interface UiDaemon {
  /** The printed link, `http://127.0.0.1:PORT/#token=...` */
  link: URL;
  token: string;
  child: ChildProcess;
  /** SIGTERM, and resolves with its exit code once it has exited. */
  stop(): Promise<number | null>;
}

/**
 * Runs the built `gatehouse daemon --ui 0` and resolves once it printed its UI link and
 * `ready`. `uiDir` overrides the built renderer (GATEHOUSE_UI_DIR).
 */
export async function startUiDaemon(
  configDir: string,
  dockerHost: string,
  uiDir?: string,
): Promise<UiDaemon> {
  const child = spawn(
    process.execPath,
    [CLI, 'daemon', '--ui', '0', '--config-dir', configDir, '--docker-host', dockerHost],
    {
      env: { ...process.env, ...(uiDir ? { GATEHOUSE_UI_DIR: uiDir } : {}) },
    },
  );
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const printed = await waitFor('the daemon to print its UI link and ready', async () => {
    if (child.exitCode !== null) throw new Error(`daemon exited: ${out}`);
    const url = /^gatehouse ui: (\S+)$/m.exec(out)?.[1];
    return out.includes('gatehouse ready') && url;
  });
  const link = new URL(printed);
  return {
    link,
    token: /^#token=(.+)$/.exec(link.hash)?.[1] ?? '',
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}
