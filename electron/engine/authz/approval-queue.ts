import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';

/** A create waiting inside dockerd for a person to approve or deny its image. */
export interface PendingApproval {
  id: string;
  imageRef: string;
  /** What approving allowlists: the registry digest, else the image ID. */
  digest: string;
  reason: string;
  askedAt: string;
  expiresAt: string;
}

export type ApprovalOutcome = 'approved' | 'denied' | 'timeout';

export interface ApprovalQueueEvents {
  asked: [PendingApproval];
  settled: [PendingApproval, ApprovalOutcome];
}

/**
 * Just-in-time approval: a create of an unknown image waits here while a face shows the
 * question. Creates of the same digest share one question; no answer within the timeout
 * (kept inside the plugin server's own bound, itself inside dockerd's plugin timeout) is a
 * denial. Recording an approved digest is the approver's job (the allowlist API), so the
 * question only decides this wait.
 */
export class ApprovalQueue extends EventEmitter<ApprovalQueueEvents> {
  readonly #byDigest = new Map<
    string,
    {
      approval: PendingApproval;
      outcome: Promise<ApprovalOutcome>;
      settle: (o: ApprovalOutcome) => void;
    }
  >();

  constructor(readonly timeoutMs = 15_000) {
    super();
  }

  ask(imageRef: string, digest: string, reason: string): Promise<ApprovalOutcome> {
    const waiting = this.#byDigest.get(digest);
    if (waiting) return waiting.outcome;
    const now = Date.now();
    const approval: PendingApproval = {
      id: randomUUID(),
      imageRef,
      digest,
      reason,
      askedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.timeoutMs).toISOString(),
    };
    let settle: (o: ApprovalOutcome) => void = () => undefined;
    const outcome = new Promise<ApprovalOutcome>((resolve) => {
      const timer = setTimeout(() => settle('timeout'), this.timeoutMs);
      settle = (o) => {
        clearTimeout(timer);
        if (this.#byDigest.get(digest)?.approval !== approval) return;
        this.#byDigest.delete(digest);
        this.emit('settled', approval, o);
        resolve(o);
      };
    });
    this.#byDigest.set(digest, { approval, outcome, settle });
    this.emit('asked', approval);
    return outcome;
  }

  pending(): PendingApproval[] {
    return [...this.#byDigest.values()].map((w) => w.approval);
  }

  /** Answers a question by its id; false when it is no longer pending (answered, timed out). */
  answer(id: string, approve: boolean): boolean {
    const waiting = [...this.#byDigest.values()].find((w) => w.approval.id === id);
    if (!waiting) return false;
    waiting.settle(approve ? 'approved' : 'denied');
    return true;
  }
}

/**
 * The decider's `ask`: waits for the answer and, on approval, records the digest before the
 * create proceeds (so the reactive guard, too, allows the container when it starts).
 */
export function askThrough(
  queue: ApprovalQueue,
  record: (digest: string, label: string) => Promise<unknown>,
): (imageRef: string, digest: string, reason: string) => Promise<boolean> {
  return async (imageRef, digest, reason) => {
    if ((await queue.ask(imageRef, digest, reason)) !== 'approved') return false;
    await record(digest, `${imageRef} approved just in time`.slice(0, 200));
    return true;
  };
}
