import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  lockStore,
  processStartTime,
  StoreBusyError,
} from '../../../../electron/engine/store/store-lock.js';

const dir = () => mkdtempSync(join(tmpdir(), 'gh-lock-'));
/** The pid of a process that has exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid ?? 0;

describe('store lock', () => {
  it('reads this process start time from /proc (field 22)', () => {
    expect(processStartTime(process.pid)).toMatch(/^\d+$/);
    expect(processStartTime(deadPid())).toBeUndefined();
  });

  it('is refused to a second holder in the same process, naming this pid; free after release', async () => {
    const d = dir();
    const release = await lockStore(d, { wait: false });
    await expect(lockStore(d, { wait: false })).rejects.toThrow(StoreBusyError);
    await expect(lockStore(d, { wait: false })).rejects.toThrow(`(pid ${process.pid}`);
    await release();
    expect(existsSync(join(d, 'gatehouse.lock'))).toBe(false);
    await (
      await lockStore(d, { wait: false })
    )();
  });

  it('takes over a lock whose holder is gone, or names a pid reused by another process', async () => {
    const d = dir();
    writeFileSync(join(d, 'gatehouse.lock'), JSON.stringify({ pid: deadPid(), nonce: 'x' }));
    await (
      await lockStore(d, { wait: false })
    )();
    // pid 1 runs, but started at another time than the lock says: not the holder.
    writeFileSync(join(d, 'gatehouse.lock'), JSON.stringify({ pid: 1, start: '0', nonce: 'y' }));
    await (
      await lockStore(d, { wait: false })
    )();
  });

  it('removes the temp files killed writers left, not those of live ones', async () => {
    const d = dir();
    const dead = deadPid();
    const left = [
      `.settings.json.${dead}.0123456789ab.tmp`,
      `gatehouse.lock.${dead}.0123456789ab`,
      `gatehouse.lock.dead.${dead}.0123456789ab`,
    ];
    const live = `.settings.last-good.json.${process.pid}.0123456789ab.tmp`;
    for (const name of [...left, live, 'settings.json']) writeFileSync(join(d, name), '');
    await (
      await lockStore(d, { wait: false })
    )();
    expect(readdirSync(d).sort()).toEqual([live, 'settings.json'].sort());
  });
});
