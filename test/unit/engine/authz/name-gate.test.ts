import { describe, expect, it } from 'vitest';
import { GateBusyError, NameGate } from '../../../../electron/engine/authz/name-gate.js';

/** Whether a promise has settled, after the microtasks queued so far have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('NameGate', () => {
  it('holds a rename to a name while a start of that name is being decided and run', async () => {
    const gate = new NameGate();
    const start = await gate.enter({ kind: 'resolve', name: 'web' }, 'POST /containers/web/start');
    const rename = gate.enter({ kind: 'bind', name: 'web' }, 'POST /containers/b/rename?name=web');
    expect(await settled(rename)).toBe(false);
    // Another name is not held; a start that came after the rename waits for the rename.
    await gate.enter({ kind: 'bind', name: 'db' }, 'POST /containers/c/rename?name=db');
    const exec = gate.enter({ kind: 'resolve', name: 'web' }, 'POST /containers/web/exec');
    expect(await settled(exec)).toBe(false);
    gate.answered('POST /containers/web/start'); // dockerd has run the start
    expect(await settled(rename)).toBe(true);
    gate.answered('POST /containers/b/rename?name=web');
    expect(await settled(exec)).toBe(true);
    start.leave(); // already gone: a no-op
  });

  it('holds a start while a rename or named create to its name is in flight', async () => {
    const gate = new NameGate();
    const create = await gate.enter(
      { kind: 'bind', name: 'web' },
      'POST /containers/create?name=web',
    );
    const start = gate.enter({ kind: 'resolve', name: 'web' }, 'POST /containers/web/start');
    expect(await settled(start)).toBe(false);
    create.leave(); // refused: it never reaches dockerd
    expect(await settled(start)).toBe(true);
  });

  it('a wildcard binds every name; waits point only to earlier entries', async () => {
    const gate = new NameGate();
    await gate.enter({ kind: 'resolve', name: 'web' }, 'A');
    const wildcard = gate.enter({ kind: 'bind', name: '*' }, 'B');
    expect(await settled(wildcard)).toBe(false);
    // A start that comes after the wildcard waits for it, not the other way round.
    const later = gate.enter({ kind: 'resolve', name: 'db' }, 'C');
    expect(await settled(later)).toBe(false);
    gate.answered('A');
    expect(await settled(wildcard)).toBe(true);
    gate.answered('B');
    expect(await settled(later)).toBe(true);
  });

  it('refuses an entrant that waited too long, and lets a lost answer go after the hold limit', async () => {
    const gate = new NameGate({ waitLimitMs: 20, holdLimitMs: 60_000 });
    await gate.enter({ kind: 'resolve', name: 'web' }, 'POST /containers/web/start');
    await expect(gate.enter({ kind: 'bind', name: 'web' }, 'R')).rejects.toThrow(GateBusyError);
    expect(gate.size).toBe(1); // the refused entrant is gone

    const forgetful = new NameGate({ holdLimitMs: 20 });
    await forgetful.enter({ kind: 'resolve', name: 'web' }, 'never answered');
    await forgetful.enter({ kind: 'bind', name: 'web' }, 'R');
    expect(forgetful.size).toBe(1);
  });
});
