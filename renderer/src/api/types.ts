import type { ApiChannel, ApiEvents, ApiRequest, ApiResult } from '../../../shared/api/channels.js';

export type {
  ApiChannel,
  ApiEvents,
  ApiRequest,
  ApiResult,
  ContainerView,
  EngineStatus,
  VerifyReport,
  ApproveResult,
  PendingApproval,
} from '../../../shared/api/channels.js';
export type {
  AllowlistEntry,
  ConnectionState,
  DecisionKind,
  DecisionRecord,
  Mode,
} from '../../../shared/api/schemas.js';
export type { AnchorKind, TrustAnchor, TrustPolicy } from '../../../shared/api/trust-schemas.js';

export type ApiEventName = keyof ApiEvents;

/**
 * The typed API every view reaches the engine through. The Electron preload exposes exactly
 * this shape as `window.gatehouse` (see window-gatehouse.d.ts); in browser mode the bridge
 * transport implements it over HTTP and a WebSocket.
 *
 * `call` resolves to the channel's result and rejects with an error carrying
 * `{ code, message, problems }` (normalised to ApiCallError by this module).
 * `on` returns a function that removes the listener.
 */
export interface GatehouseApi {
  call<K extends ApiChannel>(channel: K, request: ApiRequest<K>): Promise<ApiResult<K>>;
  on<E extends ApiEventName>(event: E, listener: (data: ApiEvents[E]) => void): () => void;
}

/** The state of the live-update stream (the browser bridge's WebSocket). */
export type LiveState = 'connecting' | 'open' | 'closed';

/** What the renderer's own client adds: where it talks to and, for the bridge, its stream. */
export interface GatehouseClient extends GatehouseApi {
  readonly transport: 'ipc' | 'bridge';
  /**
   * Reports the live-update stream's state (at once, then on every change). Stores refetch
   * on each 'open', so nothing pushed while disconnected is missed. IPC is always 'open'.
   */
  onLiveState?(listener: (state: LiveState) => void): () => void;
}

export type {
  AffectedContainer,
  InstanceChange,
  InstanceView,
  NewInstance,
} from '../../../shared/api/instance-schemas.js';
