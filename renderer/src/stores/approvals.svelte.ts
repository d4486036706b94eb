import type { PendingApproval } from '../api/types.js';
import { attempt, Resource } from './resource.svelte.js';

/** Prevention mode's just-in-time questions: creates waiting in dockerd for an answer. */
export class ApprovalsStore extends Resource<PendingApproval[]> {
  protected readonly refreshOn = ['approvals'] as const;

  protected fetch() {
    return this.api.call('approvals.list', {});
  }

  /** Approve (allowlists the digest, then the create proceeds) or deny; false when too late. */
  async answer(id: string, approve: boolean, label?: string): Promise<boolean> {
    const { answered } = await attempt(() =>
      this.api.call('approvals.answer', { id, approve, ...(label ? { label } : {}) }),
    );
    await this.refresh();
    return answered;
  }
}
