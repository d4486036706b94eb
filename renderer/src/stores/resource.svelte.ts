import { ApiCallError } from '../api/errors.js';
import type { ApiEventName, GatehouseClient } from '../api/types.js';
import { Coalescer } from './coalescer.js';

export interface StoreOptions {
  /** How long a burst of pushed events is gathered before one refetch. */
  debounceMs?: number;
}

/**
 * A piece of engine state the renderer shows: fetched through the API, refetched (coalesced)
 * when one of `refreshOn` is pushed and whenever the live-update stream (re)opens, with its
 * loading and error state. Subclasses name the fetch and the events.
 */
export abstract class Resource<T> {
  /** The last fetched value; undefined until the first fetch succeeds. */
  data = $state.raw<T | undefined>(undefined);
  /** A fetch is in flight. */
  loading = $state(false);
  /** The last fetch failed (the previous data, if any, is kept). */
  error = $state.raw<ApiCallError | undefined>(undefined);

  protected readonly api: GatehouseClient;
  protected abstract readonly refreshOn: readonly ApiEventName[];
  readonly #coalescer: Coalescer;
  #unsubscribe: (() => void)[] = [];
  #started = false;

  constructor(api: GatehouseClient, options: StoreOptions = {}) {
    this.api = api;
    this.#coalescer = new Coalescer(() => this.#load(), options.debounceMs ?? 150);
  }

  protected abstract fetch(): Promise<T>;

  /** Subscribes to the events and fetches; returns this for chaining. */
  start(): this {
    if (this.#started) return this;
    this.#started = true;
    for (const event of this.refreshOn)
      this.#unsubscribe.push(this.api.on(event, () => this.scheduleRefresh()));
    this.subscribe((off) => this.#unsubscribe.push(off));
    let first = true;
    const offLive = this.api.onLiveState?.((state) => {
      // The stream (re)opened: whatever was pushed while it was down is fetched now.
      if (state === 'open' && !first) this.scheduleRefresh();
      first = false;
    });
    if (offLive) this.#unsubscribe.push(offLive);
    void this.refresh();
    return this;
  }

  /** Extra subscriptions of a subclass; pass each unsubscribe function to `keep`. */
  protected subscribe(keep: (off: () => void) => void): void {
    void keep;
  }

  refresh(): Promise<void> {
    return this.#coalescer.now();
  }

  scheduleRefresh(): void {
    this.#coalescer.schedule();
  }

  dispose(): void {
    this.#coalescer.dispose();
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
  }

  async #load(): Promise<void> {
    this.loading = true;
    try {
      this.data = await this.fetch();
      this.error = undefined;
    } catch (error) {
      this.error = ApiCallError.from(error);
    } finally {
      this.loading = false;
    }
  }
}

/** Runs a mutation, turning whatever it throws into an ApiCallError. */
export async function attempt<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw ApiCallError.from(error);
  }
}
