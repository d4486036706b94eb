import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  describeExit,
  FallbackDecider,
  fallbackMessage,
  onChildExit,
  readEnforcement,
  RestartBackoff,
  runWatchdog,
  startWhenUnlocked,
  SUPERVISED_ENV,
  type ChildState,
} from '../../../electron/cli/daemon-watchdog.js';
import { SPOOL_FILE } from '../../../electron/cli/standin-refusals.js';
import { probePlugin } from '../../../electron/engine/authz/authz-install.js';
import { startAuthzServer } from '../../../electron/engine/authz/authz-server.js';
import { DEFAULT_SETTINGS, SETTINGS_FILE } from '../../../electron/engine/store/settings-store.js';
import { StoreBusyError } from '../../../electron/engine/store/store-lock.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});
const tempDir = () => (dir = mkdtempSync(join(tmpdir(), 'gh-wd-')));

describe('RestartBackoff', () => {
  it('waits 250 ms, doubling to 5 s while the child keeps failing', () => {
    const backoff = new RestartBackoff();
    const delays = Array.from({ length: 8 }, () => backoff.next(100));
    expect(delays).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
    expect(backoff.failures).toBe(8);
  });

  it('starts from 250 ms again after a run of 30 s or more', () => {
    const backoff = new RestartBackoff();
    backoff.next(10);
    backoff.next(10);
    expect(backoff.next(29_999)).toBe(1000);
    expect(backoff.next(30_000)).toBe(250);
    expect(backoff.failures).toBe(1);
    expect(backoff.next(10)).toBe(500);
  });
});

describe('onChildExit', () => {
  it('restarts whatever way a child ended that was not asked to stop, exit 0 included', () => {
    expect(onChildExit(false, null, 'SIGKILL')).toEqual({ action: 'restart' });
    expect(onChildExit(false, 1, null)).toEqual({ action: 'restart' });
    expect(onChildExit(false, 0, null)).toEqual({ action: 'restart' });
  });

  it('exits as the child did after a stop it was asked for', () => {
    expect(onChildExit(true, 0, null)).toEqual({ action: 'exit', code: 0 });
    expect(onChildExit(true, 1, null)).toEqual({ action: 'exit', code: 1 });
    expect(onChildExit(true, null, 'SIGTERM')).toEqual({ action: 'exit', code: 0 });
    expect(onChildExit(true, null, 'SIGKILL')).toEqual({ action: 'exit', code: 1 });
  });

  it('names the exit code or the signal', () => {
    expect(describeExit(null, 'SIGKILL')).toBe('was killed by SIGKILL');
    expect(describeExit(3, null)).toBe('exited with code 3');
    expect(describeExit(null, null)).toBe('could not be started');
  });
});

describe('the fallback decider', () => {
  const once: ChildState = {
    exit: 'was killed by SIGKILL',
    lastError: undefined,
    failures: 1,
  };
  const loop: ChildState = {
    exit: 'exited with code 1',
    lastError: 'The settings file /x/settings.json is not valid',
    failures: 3,
  };

  it('says the daemon is restarting after one failure, cannot start after several, and what to do', () => {
    expect(fallbackMessage('image a:1 may not create a container', once)).toMatch(
      /^image a:1 may not create a container now: Gatehouse's daemon is restarting \(the last run was killed by SIGKILL\)\. Refused because Gatehouse fails closed/,
    );
    const message = fallbackMessage('x', loop);
    expect(message).toContain(
      "Gatehouse's daemon cannot start (it failed 3 times in a row; the last run exited with code 1: The settings file /x/settings.json is not valid)",
    );
    expect(message).toContain('`gatehouse authz status`');
    expect(message).toContain('`gatehouse authz uninstall`');
  });

  it('refuses creates and container actions when enforcing or when the settings cannot be read', async () => {
    for (const enforcement of [{ enabled: true, mode: 'enforce' as const }, undefined]) {
      const decider = new FallbackDecider(
        () => loop,
        () => enforcement,
      );
      expect(await decider.decide({ kind: 'create', image: 'team/app:1' })).toEqual({
        allowed: false,
        message: fallbackMessage('image team/app:1 may not create a container', loop),
      });
      const start = await decider.decide({ kind: 'container', container: 'abc', action: 'start' });
      expect(start.allowed).toBe(false);
      expect(start.message).toMatch(/^container abc may not start now: /);
    }
  });

  it('lets everything through with enforcement off or in audit mode, as the daemon would', async () => {
    for (const enforcement of [
      { enabled: false, mode: 'enforce' as const },
      { enabled: true, mode: 'audit' as const },
    ]) {
      const decider = new FallbackDecider(
        () => loop,
        () => enforcement,
      );
      expect((await decider.decide({ kind: 'create', image: 'team/app:1' })).allowed).toBe(true);
      expect(
        (await decider.decide({ kind: 'container', container: 'abc', action: 'exec' })).allowed,
      ).toBe(true);
    }
  });
});

describe('readEnforcement', () => {
  it('reads the settings file, the defaults without one, and undefined when it is not valid', () => {
    const d = tempDir();
    expect(readEnforcement(d)).toEqual(DEFAULT_SETTINGS.enforcement);
    const file = join(d, SETTINGS_FILE);
    writeFileSync(
      file,
      JSON.stringify({ ...DEFAULT_SETTINGS, enforcement: { enabled: true, mode: 'quarantine' } }),
    );
    expect(readEnforcement(d)).toEqual({ enabled: true, mode: 'quarantine' });
    writeFileSync(file, '{"schemaVersion": 1, "enforcement": ');
    expect(readEnforcement(d)).toBeUndefined();
    writeFileSync(file, JSON.stringify({ ...DEFAULT_SETTINGS, enforcement: { mode: 'off' } }));
    expect(readEnforcement(d)).toBeUndefined();
    expect(readEnforcement(join(file, 'not-a-dir'))).toBeUndefined();
  });
});

describe('startWhenUnlocked', () => {
  it('tries again while the lock is busy, until the patience runs out', async () => {
    let clock = 0;
    let tries = 0;
    const busy = async () => {
      tries++;
      clock += 9_000;
      throw new StoreBusyError('busy');
    };
    await expect(startWhenUnlocked(busy, 20_000, () => clock)).rejects.toThrow('busy');
    expect(tries).toBe(3);
    tries = 0;
    await expect(startWhenUnlocked(busy, 0, () => clock)).rejects.toThrow('busy');
    expect(tries).toBe(1);
  });

  it('resolves once the lock is taken, and rethrows any other error at once', async () => {
    let tries = 0;
    await startWhenUnlocked(async () => {
      if (++tries < 3) throw new StoreBusyError('busy');
    }, 60_000);
    expect(tries).toBe(3);
    tries = 0;
    await expect(
      startWhenUnlocked(async () => {
        tries++;
        throw new Error('settings broken');
      }, 60_000),
    ).rejects.toThrow('settings broken');
    expect(tries).toBe(1);
  });
});

/** Asks the plugin socket to decide a create of `image`. */
function askCreate(socketPath: string, image: string): Promise<{ Allow: boolean; Msg: string }> {
  const body = {
    User: '',
    RequestMethod: 'POST',
    RequestUri: '/v1.41/containers/create',
    RequestBody: Buffer.from(JSON.stringify({ Image: image })).toString('base64'),
    RequestHeaders: { 'Content-Type': 'application/json' },
  };
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/AuthZPlugin.AuthZReq', method: 'POST' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function until(what: string, probe: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('runWatchdog (with a small node script as the daemon)', () => {
  const watch = (script: string, socketPath: string) => {
    const lines: string[] = [];
    const signals = new EventEmitter();
    const done = runWatchdog({
      socketPath,
      configDir: dir ?? '',
      command: process.execPath,
      args: ['-e', script],
      backoff: { initialMs: 20, maxMs: 80, stableMs: 30_000 },
      out: (l) => lines.push(l),
      err: (l) => lines.push(l),
      signals,
    });
    return { lines, signals, done };
  };

  it('restarts a child that keeps failing, answering the socket meanwhile with its last error', async () => {
    const d = tempDir();
    const socketPath = join(d, 'authz.sock');
    const w = watch(
      `process.stderr.write('gatehouse: cannot start: ' + process.env.${SUPERVISED_ENV} + '\\n'); process.exit(3)`,
      socketPath,
    );
    await until(
      'three restarts',
      () => w.lines.filter((l) => l.includes('restarting')).length >= 3,
    );
    expect(w.lines.filter((l) => l.includes('started the daemon (pid')).length).toBeGreaterThan(2);
    expect(w.lines).toContainEqual(
      expect.stringMatching(
        /^gatehouse watchdog: the daemon \(pid \d+\) exited with code 3 \(cannot start: 1\); restarting it in 20 ms/,
      ),
    );
    expect(w.lines.some((l) => l.includes('restarting it in 80 ms'))).toBe(true);
    // No settings file here means the defaults (audit): set enforcing ones to see a refusal.
    writeFileSync(
      join(d, SETTINGS_FILE),
      JSON.stringify({ ...DEFAULT_SETTINGS, enforcement: { enabled: true, mode: 'enforce' } }),
    );
    let answer: { Allow: boolean; Msg: string } | undefined;
    await until('the fallback to answer', async () => {
      answer = await askCreate(socketPath, 'team/app:1').catch(() => undefined);
      return answer !== undefined;
    });
    expect(answer?.Allow).toBe(false);
    expect(answer?.Msg).toContain(
      "gatehouse: image team/app:1 may not create a container now: Gatehouse's daemon cannot start",
    );
    expect(answer?.Msg).toContain('exited with code 3: cannot start: 1)');
    w.signals.emit('SIGTERM', 'SIGTERM');
    expect(await w.done).toBe(0);
    expect(await probePlugin(socketPath)).toBeDefined();
  });

  it('keeps its stand-in up, spooling refusals, until a new child takes the socket over', async () => {
    const d = tempDir();
    const socketPath = join(d, 'authz.sock');
    writeFileSync(
      join(d, SETTINGS_FILE),
      JSON.stringify({ ...DEFAULT_SETTINGS, enforcement: { enabled: true, mode: 'enforce' } }),
    );
    const started = join(d, 'started');
    const go = join(d, 'go');
    // The first run fails at once; the next waits for "go", then takes over as the daemon does.
    const w = watch(
      `const fs = require('fs');
       if (!fs.existsSync(${JSON.stringify(started)})) { fs.writeFileSync(${JSON.stringify(started)}, ''); process.exit(1); }
       process.on('message', (m) => { if (m === 'gatehouse:released') { console.log('released'); process.disconnect(); } });
       const wait = setInterval(() => { if (fs.existsSync(${JSON.stringify(go)})) { clearInterval(wait); process.send('gatehouse:take-over'); } }, 10);
       process.on('SIGTERM', () => process.exit(0));
       setInterval(() => {}, 1000);`,
      socketPath,
    );
    try {
      let answer: { Allow: boolean; Msg: string } | undefined;
      await until('the stand-in to answer', async () => {
        answer = await askCreate(socketPath, 'team/app:1').catch(() => undefined);
        return answer !== undefined;
      });
      expect(answer?.Allow).toBe(false);
      // The second child runs, and the stand-in still answers: it has not taken over yet.
      await until(
        'the second child',
        () => w.lines.filter((l) => l.includes('started the daemon')).length === 2,
      );
      expect((await askCreate(socketPath, 'team/other:1')).Allow).toBe(false);
      writeFileSync(go, '');
      // Asked without a create, which the stand-in would refuse and spool.
      await until(
        'the stand-in to close',
        async () => (await probePlugin(socketPath)) !== undefined,
      );
      const spooled = readFileSync(join(d, SPOOL_FILE), 'utf8').trim().split('\n');
      expect(spooled.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
        expect.objectContaining({
          imageRef: 'team/app:1',
          decision: 'prevented',
          trigger: 'authz:create',
        }),
        expect.objectContaining({ imageRef: 'team/other:1', decision: 'prevented' }),
      ]);
    } finally {
      w.signals.emit('SIGTERM', 'SIGTERM');
    }
    expect(await w.done).toBe(0);
  });

  it('forwards SIGTERM to a running child and exits as it does, without restarting it', async () => {
    const d = tempDir();
    const w = watch(
      `process.on('SIGTERM', () => { console.log('child stopping'); process.exit(0); }); setInterval(() => {}, 1000); console.log('up');`,
      join(d, 'authz.sock'),
    );
    await until('the child', () => w.lines.some((l) => l.includes('started the daemon')));
    await new Promise((r) => setTimeout(r, 200)); // its SIGTERM handler is installed
    w.signals.emit('SIGTERM', 'SIGTERM');
    expect(await w.done).toBe(0);
    expect(w.lines.filter((l) => l.includes('restarting'))).toEqual([]);
  });

  it('gives up when another process serves the socket (nothing of ours could)', async () => {
    const d = tempDir();
    const socketPath = join(d, 'authz.sock');
    const allow = () => Promise.resolve({ allowed: true, message: '' });
    const other = await startAuthzServer({
      socketPath,
      decider: { decide: allow },
    });
    try {
      const w = watch('process.exit(1)', socketPath);
      expect(await w.done).toBe(1);
      expect(w.lines.at(-1)).toMatch(/cannot answer .* is in use.*; giving up$/);
      expect(await probePlugin(socketPath)).toBeUndefined(); // still the other's
    } finally {
      await other.close();
    }
  });
});
