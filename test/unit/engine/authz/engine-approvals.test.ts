import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { preventionAsk } from '../../../../electron/cli/commands/daemon.js';
import { dispatch, engineHandlers } from '../../../../electron/engine/api/api-handlers.js';
import { Engine } from '../../../../electron/engine/engine.js';
import type { PendingApproval } from '../../../../shared/api/channels.js';

const DIGEST = `sha256:${'e'.repeat(64)}`;

/** The engine's side of just-in-time approval: the setting, the API and the answer. Docker is never reached. */
let configDir: string;
let engine: Engine;
const call = (channel: string, body: unknown) => dispatch(engineHandlers(engine), channel, body);

beforeEach(() => {
  configDir = mkdtempSync(join(tmpdir(), 'gh-approvals-'));
  engine = Engine.open({ configDir, dockerHost: 'unix:///nonexistent/docker.sock' });
});

afterEach(() => rmSync(configDir, { recursive: true, force: true }));

async function waitingQuestion(): Promise<PendingApproval> {
  const list = (await call('approvals.list', {})) as PendingApproval[];
  expect(list).toHaveLength(1);
  return list[0] as PendingApproval;
}

describe('just-in-time approval in the engine', () => {
  it('is off by default: a refusal is a plain denial, nothing waits', async () => {
    expect(engine.status().prevention).toMatchObject({ ask: false });
    expect(
      await preventionAsk(engine)('team/app:1', DIGEST, 'not on the allowlist'),
    ).toBeUndefined();
    expect(engine.approvals.pending()).toEqual([]);
  });

  it('prevention.set turns asking on, saved; approving allowlists the digest, then lets the create through', async () => {
    const status = (await call('prevention.set', { ask: true })) as ReturnType<Engine['status']>;
    expect(status.prevention).toMatchObject({ ask: true });
    expect(engine.store.get().prevention.ask).toBe(true);
    const events: number[] = [];
    engine.on('approvals', (pending) => events.push(pending.length));

    const asked = preventionAsk(engine)('team/app:1', DIGEST, 'not on the allowlist');
    const question = await waitingQuestion();
    expect(question).toMatchObject({ imageRef: 'team/app:1', digest: DIGEST });
    let settled = false;
    void asked.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);

    expect(
      await call('approvals.answer', { id: question.id, approve: true, label: 'reviewed' }),
    ).toEqual({ answered: true });
    expect(await asked).toBe(true);
    expect(engine.store.get().allowlist.find((e) => e.digest === DIGEST)?.label).toBe('reviewed');
    expect(await call('approvals.list', {})).toEqual([]);
    expect(events).toEqual([1, 0]);
    // Too late: already answered.
    expect(await call('approvals.answer', { id: question.id, approve: false })).toEqual({
      answered: false,
    });
  });

  it('labels an approval with the image reference by default; a denial records nothing', async () => {
    await engine.setPrevention({ ask: true });
    const denied = preventionAsk(engine)('team/app:1', DIGEST, 'why');
    await call('approvals.answer', { id: (await waitingQuestion()).id, approve: false });
    expect(await denied).toBe(false);
    expect(engine.store.get().allowlist).toEqual([]);

    const approved = preventionAsk(engine)('team/app:1', DIGEST, 'why');
    await call('approvals.answer', { id: (await waitingQuestion()).id, approve: true });
    expect(await approved).toBe(true);
    expect(engine.store.get().allowlist.find((e) => e.digest === DIGEST)?.label).toBe('team/app:1');
  });

  it('reads the setting at each refusal, and refuses malformed answers', async () => {
    const ask = preventionAsk(engine);
    await engine.setPrevention({ ask: true });
    const waiting = ask('team/app:1', DIGEST, 'why');
    expect(engine.approvals.pending()).toHaveLength(1);
    await engine.setPrevention({ ask: false });
    expect(await ask('team/other:1', `sha256:${'f'.repeat(64)}`, 'why')).toBeUndefined();
    await expect(call('approvals.answer', { id: 'nope', approve: true })).rejects.toMatchObject({
      code: 'invalid-request',
    });
    engine.approvals.answer(engine.approvals.pending()[0]?.id ?? '', false);
    expect(await waiting).toBe(false);
  });
});
