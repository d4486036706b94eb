export interface ShutdownStep {
  name: string;
  run(): void | Promise<void>;
}

export interface QuitHandlerOptions {
  steps: readonly ShutdownStep[];
  /** Called once every step finished (or the time ran out): the root calls app.quit(). */
  quit(): void;
  onError?(step: string, error: unknown): void;
  /** The app quits after this long even if a step hangs (a sweep waiting on Docker). */
  timeoutMs?: number;
  timers?: { set(callback: () => void, ms: number): unknown; clear(handle: unknown): void };
}

/** Runs every step in order; one failing does not keep the others from running. */
export async function runShutdownSteps(
  steps: readonly ShutdownStep[],
  onError?: (step: string, error: unknown) => void,
): Promise<void> {
  for (const step of steps) {
    try {
      await step.run();
    } catch (error) {
      onError?.(step.name, error);
    }
  }
}

/**
 * The `before-quit` listener: the first quit is held (preventDefault) while the engine stops
 * and the control socket closes, then quits again for real; quits asked for meanwhile are
 * held too and do not stop anything twice.
 */
export function createQuitHandler(
  options: QuitHandlerOptions,
): (event: { preventDefault(): void }) => void {
  let state: 'running' | 'stopping' | 'stopped' = 'running';
  const timers = options.timers ?? {
    set: (callback: () => void, ms: number) => setTimeout(callback, ms),
    clear: (handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
  const finish = () => {
    if (state === 'stopped') return;
    state = 'stopped';
    options.quit();
  };
  return (event) => {
    if (state === 'stopped') return;
    event.preventDefault();
    if (state === 'stopping') return;
    state = 'stopping';
    const timeoutMs = options.timeoutMs ?? 5_000;
    const timer = timers.set(() => {
      options.onError?.('shutdown', new Error(`gave up waiting after ${timeoutMs} ms`));
      finish();
    }, timeoutMs);
    void runShutdownSteps(options.steps, options.onError).then(() => {
      timers.clear(timer);
      finish();
    });
  };
}
