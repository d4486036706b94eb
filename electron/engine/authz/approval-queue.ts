import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { PendingApproval } from '../../../shared/api/channels.js';

export type { PendingApproval };

export type ApprovalOutcome = 'approved' | 'denied' | 'timeout';

export interface ApprovalQueueEvents {
  asked: [PendingApproval];
  settled: [PendingApproval, ApprovalOutcome];
}

/**
 * Just-in-time approval: a create of an unknown image waits here while a face shows the
 * question. Creates of the same digest share one question; no answer within the timeout
 * (kept inside the plugin server's own bound, itself inside dockerd's plugin timeout) is a
 * denial. Recording an approved digest is the approver's job (`Engine.answerApproval`), so
 * the question only decides this wait.
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
