/**
 * Keeps what a container name means fixed while a decision about it is acted on.
 *
 * The plugin resolves the container a start (restart, unpause, exec) names, then dockerd
 * resolves the same path segment again when it runs the request. A rename or a named create
 * between the two would make dockerd act on another container than the one decided. So a
 * decision that *resolves* a name and a request that *binds* one (create with `name`, rename)
 * never overlap on the same name: whichever came second waits until the first is done, that
 * is until dockerd sends its `AuthZRes` (after its handler ran) or it was refused.
 *
 * Each entrant waits only for conflicting entries that were already in when it came, so
 * waits always point to earlier entries and cannot form a cycle.
 */

/** `*`: a name that could not be read the way dockerd reads it conflicts with every name. */
export type NameEffect = { kind: 'resolve' | 'bind'; name: string };

export interface GateTicket {
  /** Ends the entry: the request was refused, or dockerd has answered it. */
  leave(): void;
}

interface Entry {
  effect: NameEffect;
  /** The request as `AuthZRes` names it again: method and URI. */
  request: string;
  done: Promise<void>;
  finish: () => void;
}

export class GateBusyError extends Error {}

export interface NameGateOptions {
  /** How long an entrant waits for a conflicting request to finish before it is refused. */
  waitLimitMs?: number;
  /**
   * An entry whose `AuthZRes` never comes (dockerd restarted, the connection dropped) is let
   * go after this long, so one lost answer cannot block a name for good.
   */
  holdLimitMs?: number;
}

export class NameGate {
  readonly #entries = new Set<Entry>();
  readonly #waitLimitMs: number;
  readonly #holdLimitMs: number;

  constructor(options: NameGateOptions = {}) {
    this.#waitLimitMs = options.waitLimitMs ?? 5_000;
    this.#holdLimitMs = options.holdLimitMs ?? 60_000;
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Enters the request, then waits until every conflicting entry already in has finished.
   * Throws GateBusyError (the entry removed again) when they take longer than the wait limit.
   */
  async enter(effect: NameEffect, request: string): Promise<GateTicket> {
    const earlier = [...this.#entries].filter((e) => conflicts(e.effect, effect));
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const entry: Entry = { effect, request, done, finish };
    const expiry = setTimeout(() => this.#remove(entry), this.#holdLimitMs);
    expiry.unref();
    entry.finish = () => {
      clearTimeout(expiry);
      finish();
    };
    this.#entries.add(entry);
    if (earlier.length) {
      let timer: NodeJS.Timeout | undefined;
      const waited = await Promise.race([
        Promise.all(earlier.map((e) => e.done)).then(() => true),
        new Promise<false>(
          (resolve) => (timer = setTimeout(() => resolve(false), this.#waitLimitMs)),
        ),
      ]);
      clearTimeout(timer);
      if (!waited) {
        this.#remove(entry);
        const other = earlier.find((e) => this.#entries.has(e));
        throw new GateBusyError(
          `another request on the name ${JSON.stringify(other?.effect.name ?? effect.name)} is still in progress (${other?.request ?? 'finishing'}); try again`,
        );
      }
    }
    return { leave: () => this.#remove(entry) };
  }

  /** dockerd answered a request (its `AuthZRes`): the oldest entry for it is done. */
  answered(request: string): void {
    for (const entry of this.#entries)
      if (entry.request === request) {
        this.#remove(entry);
        return;
      }
  }

  #remove(entry: Entry): void {
    if (!this.#entries.delete(entry)) return;
    entry.finish();
  }
}

function conflicts(a: NameEffect, b: NameEffect): boolean {
  return a.kind !== b.kind && (a.name === b.name || a.name === '*' || b.name === '*');
}
