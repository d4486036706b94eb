import type {
  ApiChannel,
  ApiEventName,
  ApiEvents,
  ApiRequest,
  ApiResult,
  ContainerView,
  DecisionRecord,
  EngineStatus,
  GatehouseClient,
  LiveState,
} from '../../../renderer/src/api/types.js';
import { ApiCallError } from '../../../renderer/src/api/errors.js';

type Handler<K extends ApiChannel> = (
  request: ApiRequest<K>,
) => ApiResult<K> | Promise<ApiResult<K>>;
export type Handlers = { [K in ApiChannel]?: Handler<K> };

/** A GatehouseApi for component tests: canned answers per channel, events pushed by hand. */
export class FakeApi implements GatehouseClient {
  readonly transport = 'ipc' as const;
  readonly calls: { channel: ApiChannel; request: unknown }[] = [];
  readonly #listeners = new Map<ApiEventName, Set<(data: never) => void>>();
  readonly #live = new Set<(state: LiveState) => void>();

  constructor(public handlers: Handlers = {}) {}

  call<K extends ApiChannel>(channel: K, request: ApiRequest<K>): Promise<ApiResult<K>> {
    this.calls.push({ channel, request });
    const handler = this.handlers[channel] as Handler<K> | undefined;
    if (!handler)
      return Promise.reject(new ApiCallError('failed', `no fake answer for ${channel}`));
    return Promise.resolve().then(() => handler(request));
  }

  on<E extends ApiEventName>(event: E, listener: (data: ApiEvents[E]) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    const entry = listener as (data: never) => void;
    set.add(entry);
    return () => set.delete(entry);
  }

  onLiveState(listener: (state: LiveState) => void): () => void {
    this.#live.add(listener);
    listener('open');
    return () => this.#live.delete(listener);
  }

  emit<E extends ApiEventName>(event: E, data: ApiEvents[E]): void {
    for (const listener of this.#listeners.get(event) ?? []) listener(data as never);
  }

  setLive(state: LiveState): void {
    for (const listener of this.#live) listener(state);
  }

  callsTo(channel: ApiChannel): unknown[] {
    return this.calls.filter((c) => c.channel === channel).map((c) => c.request);
  }
}

type Digest = `sha256:${string}`;
export const DIGEST_A: Digest = `sha256:${'a'.repeat(64)}`;
export const DIGEST_B: Digest = `sha256:${'b'.repeat(64)}`;
export const DIGEST_C: Digest = `sha256:${'c'.repeat(64)}`;

export function container(overrides: Partial<ContainerView> = {}): ContainerView {
  return {
    containerId: '0123456789ab'.padEnd(64, '0'),
    containerName: 'web',
    imageRef: 'registry.local/team/web:1.0',
    imageId: DIGEST_C,
    digests: [DIGEST_A],
    state: 'running',
    allowed: true,
    reason: `on the allowlist: ${DIGEST_A}`,
    quarantined: false,
    ...overrides,
  };
}

export function record(overrides: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    time: '2026-11-23T10:00:00.000Z',
    containerId: '0123456789ab'.padEnd(64, '0'),
    containerName: 'web',
    imageRef: 'registry.local/team/web:1.0',
    imageId: DIGEST_C,
    digests: [DIGEST_A],
    decision: 'allowed',
    reason: 'on the allowlist',
    trigger: 'start event',
    ...overrides,
  };
}

export function status(overrides: Partial<EngineStatus> = {}): EngineStatus {
  return {
    connection: {
      state: 'connected',
      dockerHost: 'unix:///var/run/docker.sock',
      since: '2026-11-23T09:00:00.000Z',
    },
    enforcement: { enabled: true, mode: 'enforce' },
    notifications: { enabled: true },
    prevention: { ask: false, builds: 'allow', plugin: { state: 'off' } },
    counts: { allowlist: 2, quarantined: 0 },
    enforcing: true,
    ready: true,
    configDir: '/home/dev/.config/Gatehouse',
    ...overrides,
  };
}
