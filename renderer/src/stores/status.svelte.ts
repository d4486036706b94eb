import type { ApiRequest, EngineStatus, Mode } from '../api/types.js';
import { attempt, Resource } from './resource.svelte.js';

/** Connection, enforcement, mode and notifications: the header badges and Settings. */
export class StatusStore extends Resource<EngineStatus> {
  protected readonly refreshOn = ['settings'] as const;

  protected fetch() {
    return this.api.call('status.get', {});
  }

  protected override subscribe(keep: (off: () => void) => void) {
    // Connection changes are pushed whole: no refetch needed.
    keep(
      this.api.on('connection', (connection) => {
        if (this.data) this.data = { ...this.data, connection };
        else this.scheduleRefresh();
      }),
    );
  }

  async setEnforcement(enabled: boolean): Promise<void> {
    this.data = await attempt(() => this.api.call('enforcement.set', { enabled }));
  }

  async setMode(mode: Mode): Promise<void> {
    this.data = await attempt(() => this.api.call('mode.set', { mode }));
  }

  async setNotifications(enabled: boolean): Promise<void> {
    this.data = await attempt(() => this.api.call('notifications.set', { enabled }));
  }

  async setPrevention(change: ApiRequest<'prevention.set'>): Promise<void> {
    this.data = await attempt(() => this.api.call('prevention.set', change));
  }
}
