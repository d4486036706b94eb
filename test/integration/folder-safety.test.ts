import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { gatehouse, spawnDaemon, waitFor } from './support/engine-harness.js';
import { IMPOSTOR_SERVER, intruder, spawnAsIntruder } from './support/intruder.js';

/**
 * Another local user (a real one, `gh-intruder`) attacks the places Gatehouse keeps its policy
 * and its sockets: every attack is refused with the fix in the message, and nothing is sent to
 * or taken from what the intruder controls.
 */
let other: { uid: number; gid: number };
const children: ChildProcess[] = [];
const dockerHost = () => inject('dockerHost');
const digest = `sha256:${'d'.repeat(64)}`;
const gh = (configDir: string, ...args: string[]) =>
  gatehouse(['--config-dir', configDir, '--docker-host', dockerHost(), ...args]);

/** A fresh config folder with saved settings, made by the CLI itself. */
async function configDir(): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'gh-safe-')), 'config');
  expect((await gh(dir, 'mode', 'enforce')).code).toBe(0);
  return dir;
}

/** The intruder's server on `path`, answering `reply` to everything; resolves once bound. */
async function impostor(path: string, reply: unknown): Promise<{ requests: () => string }> {
  const child = spawnAsIntruder(IMPOSTOR_SERVER, [path, JSON.stringify(reply)]);
  children.push(child);
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  await waitFor(
    'the impostor to listen',
    async () => out.includes('listening') || child.exitCode !== null,
  );
  if (child.exitCode !== null) throw new Error(`the impostor did not start: ${out}`);
  return {
    requests: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('got'))
        .join('\n'),
  };
}

beforeAll(() => {
  other = intruder();
});

afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
});

describe('the config folder', () => {
  it('is created owner-only, its settings file too', async () => {
    const dir = await configDir();
    const mode = (p: string) => statSync(p).mode & 0o777;
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, 'settings.json'))).toBe(0o600);
  });

  it('writable by everyone: refused with the chmod that fixes it, nothing changed', async () => {
    const dir = await configDir();
    chmodSync(dir, 0o777);
    const before = readFileSync(join(dir, 'settings.json'));
    const run = await gh(dir, 'enforcement', 'off');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`can be written by other users (mode 0777)`);
    expect(run.stderr).toContain(`chmod 700 '${dir}'`);
    expect(readFileSync(join(dir, 'settings.json')).equals(before)).toBe(true);
    expect((await gh(dir, 'status')).code).not.toBe(0);
  });

  it('owned by another user: refused with the chown that fixes it', async () => {
    const dir = await configDir();
    chownSync(dir, other.uid, other.gid);
    const run = await gh(dir, 'status');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`${dir} belongs to user ${other.uid}`);
    expect(run.stderr).toMatch(/chown/);
  });

  it('a settings file the intruder put there (enforcement off) is refused, not obeyed', async () => {
    const dir = await configDir();
    const file = join(dir, 'settings.json');
    const off = JSON.parse(readFileSync(file, 'utf8')) as { enforcement: { enabled: boolean } };
    off.enforcement.enabled = false;
    // The window the intruder used: the folder (and the way to it) open to everyone.
    chmodSync(dirname(dir), 0o755);
    chmodSync(dir, 0o777);
    const intruding = spawnAsIntruder(
      `const fs = require('node:fs'); const [file, text] = process.argv.slice(1);
       fs.rmSync(file); fs.writeFileSync(file, text, { mode: 0o644 });`,
      [file, JSON.stringify(off)],
    );
    await once(intruding, 'exit');
    expect(statSync(file).uid).toBe(other.uid);
    chmodSync(dir, 0o700); // the owner closes the folder again; the file is still the intruder's
    const run = await gh(dir, 'status', '--json');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`the settings file ${file} belongs to user ${other.uid}`);
    expect(run.stdout).toBe('');
  });

  it('a control socket the intruder bound in a world-writable folder gets nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-safe-'));
    chmodSync(dir, 0o777);
    const fake = await impostor(join(dir, 'control.sock'), { result: null });
    const passwordFile = join(mkdtempSync(join(tmpdir(), 'gh-pw-')), 'pw');
    writeFileSync(passwordFile, 'registry-secret');
    const run = await gh(
      dir,
      ...['instance', 'add', 'app', '--image', '127.0.0.1:1/team/app:1', '--digest', digest],
      ...['--username', 'dev', '--password-file', passwordFile],
    );
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`chmod 700 '${dir}'`);
    expect(fake.requests()).toBe('');
  });
});

describe('the authorization plugin socket', () => {
  it('gatehouse daemon refuses to serve it from a folder others can write', async () => {
    const config = await configDir();
    const shared = mkdtempSync(join(tmpdir(), 'gh-az-'));
    chmodSync(shared, 0o777);
    let out = '';
    const daemon = spawnDaemon(
      config,
      dockerHost(),
      ['--authz-socket', join(shared, 'authz.sock')],
      (t) => (out += t),
    );
    children.push(daemon);
    const [code] = (await once(daemon, 'exit')) as [number];
    expect(code).not.toBe(0);
    expect(out).toContain(`${shared} can be written by other users`);
    expect(out).toContain(`chmod 700 '${shared}'`);
    expect(existsSync(join(shared, 'authz.sock'))).toBe(false);
  });

  it('authz status and install do not trust an allow-all impostor bound by another user', async () => {
    // The intruder's own folder, where only they can bind.
    const shared = mkdtempSync(join(tmpdir(), 'gh-az-'));
    chmodSync(shared, 0o755);
    chownSync(shared, other.uid, other.gid);
    const socket = join(shared, 'authz.sock');
    const gone = spawn(process.execPath, ['-e', '']);
    await once(gone, 'exit'); // a dockerd pid that is no one's: nothing may be signalled
    const fake = await impostor(socket, { Implements: ['authz'], Allow: true });
    const setup = mkdtempSync(join(tmpdir(), 'gh-az-setup-'));
    const flags = [
      ...['--socket', socket, '--plugins-dir', join(setup, 'plugins')],
      ...['--daemon-config', join(setup, 'daemon.json'), '--dockerd-pid', String(gone.pid)],
    ];
    const status = await gatehouse(['authz', 'status', '--json', ...flags]);
    expect(JSON.parse(status.stdout)).toMatchObject({ answers: false });
    expect(JSON.parse(status.stdout).problem).toContain(`${shared} belongs to user ${other.uid}`);

    const install = await gatehouse(['--docker-host', dockerHost(), 'authz', 'install', ...flags]);
    expect(install.code).not.toBe(0);
    expect(install.stderr).toContain(`belongs to user ${other.uid}`);
    expect(install.stderr).toContain('nothing was changed');
    expect(readdirSync(setup)).toEqual([]);
    expect(fake.requests()).toBe('');
  });
});
