import { describe, expect, it } from 'vitest';
import { ApprovalQueue } from '../../../../electron/engine/authz/approval-queue.js';

const DIGEST = `sha256:${'e'.repeat(64)}`;

describe('ApprovalQueue', () => {
  it('lets a waiting create through once approved, and says so to listeners', async () => {
    const queue = new ApprovalQueue(5_000);
    const asked: string[] = [];
    const settled: string[] = [];
    queue.on('asked', (a) => asked.push(a.imageRef));
    queue.on('settled', (a, outcome) => settled.push(`${a.digest} ${outcome}`));
    const waiting = queue.ask('team/app:1', DIGEST, 'not on the allowlist');
    const [pending] = queue.pending();
    expect(pending).toMatchObject({ imageRef: 'team/app:1', digest: DIGEST });
    expect(queue.answer(pending?.id ?? '', true)).toBe(true);
    expect(await waiting).toBe('approved');
    expect(asked).toEqual(['team/app:1']);
    expect(settled).toEqual([`${DIGEST} approved`]);
    expect(queue.pending()).toEqual([]);
    expect(queue.answer(pending?.id ?? '', false)).toBe(false); // already answered
  });

  it('asks once for parallel creates of one digest; a denial refuses them all', async () => {
    const queue = new ApprovalQueue(5_000);
    const waits = [1, 2, 3].map(() => queue.ask('team/app:1', DIGEST, 'why'));
    expect(queue.pending()).toHaveLength(1);
    queue.answer(queue.pending()[0]?.id ?? '', false);
    expect(await Promise.all(waits)).toEqual(['denied', 'denied', 'denied']);
  });

  it('treats no answer within the timeout as a denial', async () => {
    const queue = new ApprovalQueue(50);
    expect(await queue.ask('team/app:1', DIGEST, 'why')).toBe('timeout');
    expect(queue.pending()).toEqual([]);
  });
});
