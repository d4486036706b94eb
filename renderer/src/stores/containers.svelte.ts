import type { ApproveResult, ContainerView } from '../api/types.js';
import { attempt, Resource } from './resource.svelte.js';

/** Every container with Gatehouse's decision on it, and the ones it removed. */
export class ContainersStore extends Resource<ContainerView[]> {
  // A decision or a policy change can change what is allowed; containers come and go.
  protected readonly refreshOn = ['containers', 'decision', 'settings'] as const;

  protected async fetch() {
    const list = await this.api.call('containers.list', {});
    // Keyed rows need unique IDs; the engine never repeats one, but a list is cheap to check.
    const seen: Record<string, true> = {};
    return list.filter((c) => !seen[c.containerId] && (seen[c.containerId] = true));
  }

  /** Allowlists what the container runs (and restarts it if quarantined). */
  async approve(containerId: string, label?: string): Promise<ApproveResult> {
    const request = label ? { containerId, label } : { containerId };
    const result = await attempt(() => this.api.call('containers.approve', request));
    void this.refresh();
    return result;
  }

  async stop(containerId: string): Promise<void> {
    await attempt(() => this.api.call('containers.stop', { containerId }));
    void this.refresh();
  }
}
