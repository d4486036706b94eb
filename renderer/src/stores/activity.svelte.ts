import type { DecisionRecord, GatehouseClient } from '../api/types.js';
import { Resource, type StoreOptions } from './resource.svelte.js';

/** A decision with a key unique in this list (records themselves can repeat a timestamp). */
export interface ActivityItem {
  key: number;
  record: DecisionRecord;
}

function sameRecord(a: DecisionRecord, b: DecisionRecord) {
  return (
    a.time === b.time &&
    a.containerId === b.containerId &&
    a.decision === b.decision &&
    a.trigger === b.trigger &&
    // Refused creates have no container ID: their image tells them apart.
    a.imageId === b.imageId &&
    a.containerName === b.containerName
  );
}

/** The decision log, newest first; pushed decisions are prepended as they come. */
export class ActivityStore extends Resource<ActivityItem[]> {
  protected readonly refreshOn = [] as const;
  readonly limit: number;
  #nextKey = 0;

  constructor(api: GatehouseClient, options: StoreOptions & { limit?: number } = {}) {
    super(api, options);
    this.limit = options.limit ?? 2000;
  }

  protected async fetch() {
    const records = await this.api.call('log.list', { limit: this.limit });
    // log.list is oldest first.
    return records.toReversed().map((record) => ({ key: this.#nextKey++, record }));
  }

  protected override subscribe(keep: (off: () => void) => void) {
    keep(this.api.on('decision', (record) => this.#prepend(record)));
  }

  #prepend(record: DecisionRecord) {
    const items = this.data ?? [];
    if (items.slice(0, 50).some((item) => sameRecord(item.record, record))) return;
    this.data = [{ key: this.#nextKey++, record }, ...items].slice(0, this.limit);
  }
}
