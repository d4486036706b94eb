import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { assertPrivate, assertPrivateFolder } from '../store/path-safety.js';

/** Where an engine listens for the CLI: in the config folder, or a named pipe on Windows. */
export function controlSocketPath(
  configDir: string,
  platform: NodeJS.Platform = process.platform,
): string {
  if (platform === 'win32') {
    const id = createHash('sha256').update(configDir.toLowerCase()).digest('hex').slice(0, 16);
    return `\\\\.\\pipe\\gatehouse-${id}`;
  }
  const path = join(configDir, 'control.sock');
  // sun_path holds 104 bytes on macOS, 108 on Linux, terminator included.
  if (Buffer.byteLength(path) > 103)
    throw new Error(
      `the control socket path ${path} is too long for a unix socket (at most 103 bytes): use a shorter --config-dir`,
    );
  return path;
}

/**
 * Refuses a control socket another user could have bound or could bind: the CLI sends
 * registry passwords through it, and the engine behind it decides the policy. Checked by the
 * server before binding and by every client before connecting.
 */
export function assertSafeControlSocket(path: string): void {
  assertPrivateFolder('the config folder', dirname(path));
  assertPrivate('the control socket', path);
}
