import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { gatehouse, spawnDaemon, waitFor } from './support/engine-harness.js';

/** The config folder's lock: a dead holder is taken over at once, a live one never. */
const STORE_LOCK = resolve(import.meta.dirname, '../../dist/electron/engine/store/store-lock.js');
const children: ChildProcess[] = [];
const dockerHost = () => inject('dockerHost');
const digest = `sha256:${'c'.repeat(64)}`;

/** A process that tries the lock once and holds what it gets; prints `took` or `busy: why`. */
function contender(configDir: string): { child: ChildProcess; said: Promise<string> } {
  const child = spawn(process.execPath, [
    '-e',
    `import(${JSON.stringify(STORE_LOCK)}).then(async (m) => {
      try { await m.lockStore(${JSON.stringify(configDir)}, { wait: false }); console.log('took'); }
      catch (e) { console.log('busy: ' + e.message); }
      setInterval(() => {}, 1000);
    });`,
  ]);
  children.push(child);
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const said = waitFor('the contender to answer', async () => out.includes('\n') && out.trim());
  return { child, said };
}

/** A lock file naming a process that has exited. */
async function deadHoldersLock(configDir: string): Promise<void> {
  const gone = spawn(process.execPath, ['-e', '']);
  await once(gone, 'exit');
  writeFileSync(
    join(configDir, 'gatehouse.lock'),
    JSON.stringify({ pid: gone.pid, start: '1', nonce: 'dead' }),
  );
}

afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
});

describe('the config folder lock', () => {
  it('a SIGKILLed daemon, restarted at once, is ready again (within a 5 s wait)', async () => {
    const configDir = mkdtempSync(join(tmpdir(), 'gh-lock-'));
    let out = '';
    const first = spawnDaemon(configDir, dockerHost(), [], (t) => (out += t));
    children.push(first);
    await waitFor('the first daemon to be ready', async () => out.includes('gatehouse ready'));
    first.kill('SIGKILL');
    await once(first, 'exit');

    let again = '';
    const second = spawnDaemon(configDir, dockerHost(), [], (t) => (again += t));
    children.push(second);
    await waitFor(
      'the second daemon to be ready',
      async () => again.includes('gatehouse ready') || second.exitCode !== null,
      5_000,
    );
    expect(again).not.toMatch(/in use/);
    expect(second.exitCode).toBeNull();
    expect((await gatehouse(['--config-dir', configDir, 'allowlist', 'add', digest])).code).toBe(0);
  });

  it('while a live process holds it, a write is refused naming that process', async () => {
    const configDir = mkdtempSync(join(tmpdir(), 'gh-lock-'));
    const holder = contender(configDir);
    expect(await holder.said).toBe('took');

    const run = await gatehouse(['--config-dir', configDir, 'allowlist', 'add', digest]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`in use by another Gatehouse process (pid ${holder.child.pid}`);

    // Every channel that writes takes the lock, trust policies included.
    const key = join(configDir, 'cosign.pub');
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(key, publicKey.export({ type: 'spki', format: 'pem' }));
    const trust = ['--config-dir', configDir, 'trust', 'add', '--scope', 'example.com/team/**'];
    const add = await gatehouse([...trust, '--cosign-key', key]);
    expect(add.code).not.toBe(0);
    expect(add.stderr).toContain(`in use by another Gatehouse process (pid ${holder.child.pid}`);
    expect(existsSync(join(configDir, 'settings.json'))).toBe(false);
  });

  it('a dead holder is taken over by exactly one of 8 processes racing for it', async () => {
    const configDir = mkdtempSync(join(tmpdir(), 'gh-lock-'));
    await deadHoldersLock(configDir);
    const racers = Array.from({ length: 8 }, () => contender(configDir));
    const said = await Promise.all(racers.map((r) => r.said));
    expect(said.filter((s) => s === 'took')).toHaveLength(1);
    const winner = racers[said.indexOf('took')]?.child.pid;
    for (const s of said.filter((s) => s !== 'took'))
      expect(s).toContain(`in use by another Gatehouse process (pid ${winner}`);
  });
});
