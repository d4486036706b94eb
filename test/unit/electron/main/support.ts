import type { EngineStatus } from '../../../../shared/api/channels.js';
import type { DecisionRecord, Mode } from '../../../../shared/api/schemas.js';

/** A decision as the engine logs it; override what a test is about. */
export function decision(overrides: Partial<DecisionRecord> = {}): DecisionRecord {
  const containerId = overrides.containerId ?? 'a'.repeat(64);
  return {
    time: '2026-11-23T12:00:00.000Z',
    containerId,
    containerName: `web-${containerId.slice(0, 4)}`,
    imageRef: 'ghcr.io/acme/web:1.4',
    imageId: `sha256:${'1'.repeat(64)}`,
    digests: [],
    decision: 'removed',
    reason: 'not on the allowlist',
    trigger: 'start',
    ...overrides,
  };
}

/** A container ID made of one hex character, e.g. id('b'). */
export const id = (c: string) => c.repeat(64);

export function status(
  overrides: {
    enabled?: boolean;
    mode?: Mode;
    connection?: EngineStatus['connection']['state'];
    notifications?: boolean;
  } = {},
): EngineStatus {
  return {
    connection: {
      state: overrides.connection ?? 'connected',
      dockerHost: 'unix:///var/run/docker.sock',
      since: '2026-11-23T12:00:00.000Z',
    },
    enforcement: { enabled: overrides.enabled ?? true, mode: overrides.mode ?? 'enforce' },
    notifications: { enabled: overrides.notifications ?? true },
    prevention: { ask: false, builds: 'allow', plugin: { state: 'off' } },
    counts: { allowlist: 3, quarantined: 0 },
    enforcing: true,
    ready: true,
    configDir: '/home/dev/.config/Gatehouse',
  };
}
