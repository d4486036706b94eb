/**
 * Every API channel and event, declared once. Each transport derives from this map: the
 * control socket and the browser bridge route `POST /api/<channel>`, Electron's IPC registers
 * one handler per channel, the preload admits exactly these names, and the CLI takes the
 * config folder's lock for every channel that `writes` saved state when no engine runs.
 * Request schemas and results are keyed by the same names in channels.ts (checked by the
 * compiler). No runtime imports: the sandboxed preload bundle imports this module.
 */
const CHANNELS = {
  'status.get': { writes: false },
  'allowlist.list': { writes: false },
  'allowlist.add': { writes: true },
  'allowlist.remove': { writes: true },
  'allowlist.import': { writes: true },
  'allowlist.export': { writes: false },
  'enforcement.set': { writes: true },
  'mode.set': { writes: true },
  'notifications.set': { writes: true },
  'check.run': { writes: false },
  'log.list': { writes: false },
  'trust.list': { writes: false },
  'trust.add': { writes: true },
  'trust.remove': { writes: true },
  'verify.run': { writes: false },
  'containers.list': { writes: false },
  'containers.approve': { writes: true },
  'containers.stop': { writes: false },
  'prevention.set': { writes: true },
  'approvals.list': { writes: false },
  'approvals.answer': { writes: true },
  'instance.list': { writes: false },
  'instance.add': { writes: true },
  'instance.enable': { writes: true },
  'instance.disable': { writes: true },
  'instance.remove': { writes: true },
  'instance.set-digest': { writes: true },
} as const satisfies Record<string, { writes: boolean }>;

export type ApiChannel = keyof typeof CHANNELS;

export const apiChannels = Object.freeze(Object.keys(CHANNELS)) as readonly ApiChannel[];

export function isApiChannel(name: unknown): name is ApiChannel {
  return typeof name === 'string' && Object.hasOwn(CHANNELS, name);
}

/** Whether a channel changes saved state (settings, allowlist, instances). */
export function writesState(channel: ApiChannel): boolean {
  return CHANNELS[channel].writes;
}

const API_ROUTE_PREFIX = '/api/';

/** The HTTP route of a channel, on the control socket and the browser bridge alike. */
export function routeOf(channel: ApiChannel): string {
  return `${API_ROUTE_PREFIX}${channel}`;
}

/**
 * The channel name a route asks for (unchecked: the dispatcher refuses unknown names with
 * their own error), or undefined when the path is not an API route at all.
 */
export function channelOfRoute(path: string): string | undefined {
  return path.startsWith(API_ROUTE_PREFIX) ? path.slice(API_ROUTE_PREFIX.length) : undefined;
}

/** Where the faces listen to events (control socket: NDJSON; browser bridge: WebSocket). */
export const EVENTS_ROUTE = '/events';

const EVENTS = {
  decision: true,
  connection: true,
  /** The policy or settings changed: refetch status, allowlist and trust policies. */
  settings: true,
  /** Containers may have changed: refetch the list. */
  containers: true,
  /** A just-in-time approval was asked or settled: refetch `approvals.list`. */
  approvals: true,
} as const;

export type ApiEventName = keyof typeof EVENTS;

export const apiEventNames = Object.freeze(Object.keys(EVENTS)) as readonly ApiEventName[];

export function isApiEventName(name: unknown): name is ApiEventName {
  return typeof name === 'string' && Object.hasOwn(EVENTS, name);
}
