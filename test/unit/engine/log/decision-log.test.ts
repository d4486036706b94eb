import { appendFileSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DecisionRecord } from '../../../../shared/api/schemas.js';
import { DecisionLog } from '../../../../electron/engine/log/decision-log.js';

const record = (n: number): DecisionRecord => ({
  time: new Date(Date.UTC(2026, 10, 23, 0, 0, n)).toISOString(),
  containerId: `${n}`.padStart(64, '0'),
  containerName: `c${n}`,
  imageRef: 'app:1',
  imageId: `sha256:${'b'.repeat(64)}`,
  digests: [],
  decision: 'removed',
  reason: 'not on the allowlist',
  trigger: 'start',
});

describe('decision log', () => {
  it('appends JSON lines and reads the newest, oldest first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-log-'));
    const log = new DecisionLog(dir);
    for (let n = 0; n < 5; n++) log.append(record(n));
    expect(log.read(2).map((r) => r.containerName)).toEqual(['c3', 'c4']);
    expect(log.read().length).toBe(5);
  });

  it('rotates by size, keeps a bounded number of files, and reads across them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-log-'));
    const log = new DecisionLog(dir, { maxBytes: 1000, keep: 2 });
    for (let n = 0; n < 40; n++) log.append(record(n));
    expect(readdirSync(dir).sort()).toEqual([
      'decisions.1.jsonl',
      'decisions.2.jsonl',
      'decisions.jsonl',
    ]);
    const all = log.read(1000);
    expect(all.at(-1)?.containerName).toBe('c39');
    expect(all.length).toBeLessThan(40); // the oldest file was dropped
    const names = all.map((r) => Number(r.containerName.slice(1)));
    expect(names).toEqual([...names].sort((a, b) => a - b));
    expect(existsSync(join(dir, 'decisions.3.jsonl'))).toBe(false);
  });

  it('skips lines that are not records', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-log-'));
    const log = new DecisionLog(dir);
    log.append(record(1));
    appendFileSync(log.path, 'garbage\n{"time":1}\n');
    log.append(record(2));
    expect(log.read().map((r) => r.containerName)).toEqual(['c1', 'c2']);
  });
});

describe('decision log with prevented records', () => {
  it('reads a log written before `prevented` existed, and one that mixes both', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-log-'));
    // Lines exactly as an earlier version wrote them (no prevented kind, no new fields).
    const old = [
      '{"time":"2026-11-01T10:00:00.000Z","containerId":"' +
        'a'.repeat(64) +
        '","containerName":"web","imageRef":"app:1","imageId":"sha256:' +
        'b'.repeat(64) +
        '","digests":[],"decision":"removed","reason":"not on the allowlist","trigger":"start"}',
      '{"time":"2026-11-01T10:00:01.000Z","containerId":"' +
        'c'.repeat(64) +
        '","containerName":"db","imageRef":"db:1","imageId":"sha256:' +
        'd'.repeat(64) +
        '","digests":[],"decision":"allowed","reason":"on the allowlist","allowedBy":{"kind":"entry","digest":"sha256:' +
        'd'.repeat(64) +
        '"},"trigger":"sweep:connected"}',
    ];
    appendFileSync(join(dir, 'decisions.jsonl'), `${old.join('\n')}\n`);
    const log = new DecisionLog(dir);
    log.append({
      ...record(9),
      containerId: '',
      containerName: 'intruder',
      decision: 'prevented',
      trigger: 'authz:create',
    });
    expect(log.read().map((r) => [r.containerName, r.decision])).toEqual([
      ['web', 'removed'],
      ['db', 'allowed'],
      ['intruder', 'prevented'],
    ]);
  });

  it('skips a record of a kind it does not know rather than failing the whole log', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-log-'));
    const log = new DecisionLog(dir);
    log.append(record(1));
    appendFileSync(log.path, `${JSON.stringify({ ...record(2), decision: 'teleported' })}\n`);
    expect(log.read().map((r) => r.containerName)).toEqual(['c1']);
  });
});
