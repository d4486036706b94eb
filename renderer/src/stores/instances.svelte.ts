import type { InstanceChange, InstanceView, NewInstance } from '../api/types.js';
import { attempt, Resource } from './resource.svelte.js';

/** A change that stops containers, previewed (dry run) before it is made. */
export type InstanceChangeKind = 'disable' | 'remove' | 'set-digest';

/** Managed containers: definitions, their containers, and the changes the user makes. */
export class InstancesStore extends Resource<InstanceView[]> {
  protected readonly refreshOn = ['settings', 'containers'] as const;

  protected fetch() {
    return this.api.call('instance.list', {});
  }

  async add(instance: NewInstance): Promise<InstanceView> {
    const result = await attempt(() => this.api.call('instance.add', instance));
    void this.refresh();
    return result;
  }

  async enable(name: string): Promise<InstanceView> {
    const result = await attempt(() => this.api.call('instance.enable', { name }));
    void this.refresh();
    return result;
  }

  /** With `dryRun`, only says which containers the change would stop. */
  async change(
    kind: InstanceChangeKind,
    name: string,
    dryRun: boolean,
    digest: string | null = null,
  ): Promise<InstanceChange> {
    const result = await attempt(() =>
      kind === 'disable'
        ? this.api.call('instance.disable', { name, dryRun })
        : kind === 'remove'
          ? this.api.call('instance.remove', { name, dryRun })
          : this.api.call('instance.set-digest', { name, digest, dryRun }),
    );
    if (!dryRun) void this.refresh();
    return result;
  }
}
