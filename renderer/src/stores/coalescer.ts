/**
 * Runs `task` at most once at a time. `schedule()` coalesces a burst of pushed events into
 * one run `delayMs` after the first of them (so a storm cannot postpone it forever);
 * `now()` runs at once. A request that arrives while a run is in flight runs once more after
 * it, so the last state is always fetched.
 */
export class Coalescer {
  readonly #task: () => Promise<void>;
  readonly #delayMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #disposed = false;

  constructor(task: () => Promise<void>, delayMs = 150) {
    this.#task = task;
    this.#delayMs = delayMs;
  }

  schedule(): void {
    if (this.#disposed || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.now();
    }, this.#delayMs);
  }

  now(): Promise<void> {
    if (this.#disposed) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          await this.#task();
        } while (this.#again && !this.#disposed);
      } finally {
        this.#running = undefined;
      }
    })();
    return this.#running;
  }

  dispose(): void {
    this.#disposed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
