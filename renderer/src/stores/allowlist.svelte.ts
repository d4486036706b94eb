import type { AllowlistEntry } from '../api/types.js';
import { attempt, Resource } from './resource.svelte.js';

export interface AddResult {
  added: string[];
  alreadyPresent: string[];
}

/** The allowlist of digests. */
export class AllowlistStore extends Resource<AllowlistEntry[]> {
  protected readonly refreshOn = ['settings'] as const;

  protected fetch() {
    return this.api.call('allowlist.list', {});
  }

  async add(entries: string[], label?: string): Promise<AddResult> {
    const request = label ? { entries, label } : { entries };
    const result = await attempt(() => this.api.call('allowlist.add', request));
    void this.refresh();
    return result;
  }

  /** Kura's text format, merged into the allowlist (all of it or, on a problem, none). */
  async import(text: string): Promise<AddResult> {
    const result = await attempt(() => this.api.call('allowlist.import', { text }));
    void this.refresh();
    return result;
  }

  async export(): Promise<string> {
    const { text } = await attempt(() => this.api.call('allowlist.export', {}));
    return text;
  }

  async remove(digests: string[]): Promise<void> {
    await attempt(() => this.api.call('allowlist.remove', { entries: digests }));
    void this.refresh();
  }
}
