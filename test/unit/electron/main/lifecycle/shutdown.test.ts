import { describe, expect, it, vi } from 'vitest';
import {
  createQuitHandler,
  runShutdownSteps,
} from '../../../../../electron/main/lifecycle/shutdown.js';

const quitEvent = () => ({ preventDefault: vi.fn() });

function manualTimers() {
  const pending = new Map<number, () => void>();
  let next = 1;
  return {
    pending,
    set: (callback: () => void) => {
      pending.set(next, callback);
      return next++;
    },
    clear: (handle: unknown) => pending.delete(handle as number),
    fire: () => {
      for (const [h, cb] of [...pending]) {
        pending.delete(h);
        cb();
      }
    },
  };
}

describe('runShutdownSteps', () => {
  it('runs every step in order, even after one fails', async () => {
    const order: string[] = [];
    const onError = vi.fn();
    await runShutdownSteps(
      [
        { name: 'a', run: () => void order.push('a') },
        {
          name: 'b',
          run: async () => {
            order.push('b');
            throw new Error('b broke');
          },
        },
        { name: 'c', run: async () => void order.push('c') },
      ],
      onError,
    );
    expect(order).toEqual(['a', 'b', 'c']);
    expect(onError).toHaveBeenCalledWith('b', expect.objectContaining({ message: 'b broke' }));
  });
});

describe('createQuitHandler', () => {
  it('holds the first quit, stops everything once, then quits for real', async () => {
    let release!: () => void;
    const engineStopped = new Promise<void>((resolve) => (release = resolve));
    const stopEngine = vi.fn(() => engineStopped);
    const quit = vi.fn();
    const onBeforeQuit = createQuitHandler({
      steps: [{ name: 'engine', run: stopEngine }],
      quit,
      timers: manualTimers(),
    });

    const first = quitEvent();
    onBeforeQuit(first);
    expect(first.preventDefault).toHaveBeenCalled();
    const again = quitEvent(); // the user clicks Quit twice
    onBeforeQuit(again);
    expect(again.preventDefault).toHaveBeenCalled();
    expect(stopEngine).toHaveBeenCalledTimes(1);
    expect(quit).not.toHaveBeenCalled();

    release();
    await vi.waitFor(() => expect(quit).toHaveBeenCalledTimes(1));
    const final = quitEvent(); // app.quit() emits before-quit again: let it through
    onBeforeQuit(final);
    expect(final.preventDefault).not.toHaveBeenCalled();
    expect(stopEngine).toHaveBeenCalledTimes(1);
  });

  it('quits anyway when a step hangs past the timeout', () => {
    const timers = manualTimers();
    const quit = vi.fn();
    const onError = vi.fn();
    const onBeforeQuit = createQuitHandler({
      steps: [{ name: 'engine', run: () => new Promise<void>(() => undefined) }],
      quit,
      onError,
      timeoutMs: 3_000,
      timers,
    });
    onBeforeQuit(quitEvent());
    expect(quit).not.toHaveBeenCalled();
    timers.fire();
    expect(quit).toHaveBeenCalledTimes(1);
    expect(onError).toHaveBeenCalledWith(
      'shutdown',
      expect.objectContaining({ message: 'gave up waiting after 3000 ms' }),
    );
  });
});
