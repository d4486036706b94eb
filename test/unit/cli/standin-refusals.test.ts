import { appendFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  drainRefusals,
  RefusalSpool,
  SPOOL_FILE,
  SPOOL_MAX_BYTES,
} from '../../../electron/cli/standin-refusals.js';
import type { DecisionRecord } from '../../../shared/api/schemas.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});
const tempDir = () => (dir = mkdtempSync(join(tmpdir(), 'gh-spool-')));

const refusal = (n: number, reason = 'the daemon is restarting'): DecisionRecord => ({
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  containerId: '',
  containerName: `run-${n}`,
  imageRef: 'team/app:1',
  imageId: '',
  digests: [],
  decision: 'prevented',
  reason,
  trigger: 'authz:create',
});

const drain = (configDir: string) => {
  const written: DecisionRecord[] = [];
  const count = drainRefusals(configDir, (r) => written.push(r));
  return { count, written };
};

describe('the stand-in refusal spool', () => {
  it('gives back what was spooled, oldest first, once: the spool is gone after', () => {
    const d = tempDir();
    const spool = new RefusalSpool(d);
    expect(spool.append(refusal(1))).toBe(true);
    expect(spool.append(refusal(2))).toBe(true);
    expect(drain(d)).toEqual({ count: 2, written: [refusal(1), refusal(2)] });
    expect(readdirSync(d)).toEqual([]);
    expect(drain(d)).toEqual({ count: 0, written: [] });
  });

  it('counts what does not fit in SPOOL_MAX_BYTES and logs that count as one record', () => {
    const d = tempDir();
    const spool = new RefusalSpool(d);
    const big = refusal(0, 'x'.repeat(10_000));
    let kept = 0;
    while (spool.append(big)) kept++;
    for (let i = 0; i < 4; i++) expect(spool.append(big)).toBe(false);
    expect(kept).toBe(Math.floor(SPOOL_MAX_BYTES / (JSON.stringify(big).length + 1)));
    const { count, written } = drain(d);
    expect(count).toBe(kept + 1);
    expect(written.at(-1)).toMatchObject({
      decision: 'prevented',
      trigger: 'authz:stand-in',
      reason: expect.stringContaining('5 more refusals by the watchdog while the daemon was down'),
    });
    expect(readdirSync(d)).toEqual([]);
    // Drained: the spool takes refusals again, and the count starts over.
    expect(spool.append(refusal(9))).toBe(true);
    expect(drain(d).written).toEqual([refusal(9)]);
  });

  it('skips lines that are not decision records (a torn last line, a hand edit)', () => {
    const d = tempDir();
    new RefusalSpool(d).append(refusal(1));
    appendFileSync(join(d, SPOOL_FILE), 'not json\n{"decision":"prevented"}\n{"time":');
    expect(drain(d).written).toEqual([refusal(1)]);
  });

  it('drains first what a daemon that died mid-drain had taken', () => {
    const d = tempDir();
    writeFileSync(join(d, 'standin-refusals.draining.jsonl'), `${JSON.stringify(refusal(1))}\n`);
    new RefusalSpool(d).append(refusal(2));
    expect(drain(d).written).toEqual([refusal(1), refusal(2)]);
    expect(readdirSync(d)).toEqual([]);
  });
});
