import type { z } from 'zod';
import {
  apiChannels,
  apiRequestSchemas,
  isApiChannel,
  type ApiChannel,
  type ApiResult,
} from '../../../shared/api/channels.js';
import type { Engine } from '../engine.js';
import { InvalidInputError } from '../policy/allowlist-editor.js';

export type ApiHandlers = {
  [K in ApiChannel]: (request: z.output<(typeof apiRequestSchemas)[K]>) => Promise<ApiResult<K>>;
};

/** The engine behind the typed API; every face (control socket, IPC, browser) uses this. */
export function engineHandlers(engine: Engine): ApiHandlers {
  return {
    'status.get': async () => engine.status(),
    'allowlist.list': async () => engine.store.get().allowlist,
    'allowlist.add': (r) => engine.addToAllowlist(r.entries, r.label),
    'allowlist.remove': (r) => engine.removeFromAllowlist(r.entries),
    'allowlist.import': (r) => engine.importAllowlist(r.text),
    'allowlist.export': async () => ({ text: engine.exportAllowlist() }),
    'enforcement.set': (r) => engine.setEnforcement(r.enabled),
    'mode.set': (r) => engine.setMode(r.mode),
    'notifications.set': (r) => engine.setNotifications(r.enabled),
    'check.run': () => engine.check(),
    'log.list': async (r) => engine.log.read(r.limit),
    'trust.list': async () => engine.store.get().trustPolicies,
    'trust.add': (r) => engine.addTrustPolicy(r),
    'trust.remove': (r) => engine.removeTrustPolicy(r.name),
    'verify.run': (r) => engine.verifyImage(r.image),
    'containers.list': () => engine.listContainers(),
    'containers.approve': (r) => engine.approveContainer(r.containerId, r.label),
    'containers.stop': async (r) => {
      await engine.docker.getContainer(r.containerId).stop();
      return { stopped: r.containerId };
    },
    'prevention.set': (r) => engine.setPrevention(r),
    'approvals.list': async () => engine.approvals.pending(),
    'approvals.answer': (r) => engine.answerApproval(r.id, r.approve, r.label),
    'instance.list': () => engine.instances.list(),
    'instance.add': (r) => engine.instances.add(r),
    'instance.enable': (r) => engine.instances.enable(r.name),
    'instance.disable': (r) => engine.instances.disable(r.name, r.dryRun),
    'instance.remove': (r) => engine.instances.remove(r.name, r.dryRun),
    'instance.set-digest': (r) => engine.instances.setDigest(r.name, r.digest, r.dryRun),
  };
}

/**
 * Handlers that pass every channel's request to `call`: the face of an engine elsewhere (a
 * daemon over its control socket) or one that may change (the desktop app's).
 */
export function handlersVia(
  call: (channel: ApiChannel, request: unknown) => Promise<unknown>,
): ApiHandlers {
  return Object.fromEntries(
    apiChannels.map((channel) => [channel, (request: unknown) => call(channel, request)]),
  ) as unknown as ApiHandlers;
}

export type ApiErrorCode = 'unknown-channel' | 'invalid-request' | 'failed';

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly problems: string[] = [message],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Validates a request from outside and runs its handler; errors come back as ApiError. */
export async function dispatch(
  handlers: ApiHandlers,
  channel: string,
  body: unknown,
): Promise<unknown> {
  if (!isApiChannel(channel))
    throw new ApiError('unknown-channel', `unknown API channel ${JSON.stringify(channel)}`);
  const parsed = apiRequestSchemas[channel].safeParse(body ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.length ? i.path.join('.') : 'request'}: ${i.message}`,
    );
    throw new ApiError(
      'invalid-request',
      `invalid ${channel} request: ${problems.join('; ')}`,
      problems,
    );
  }
  const handler = handlers[channel] as (request: unknown) => Promise<unknown>;
  try {
    return await handler(parsed.data);
  } catch (error) {
    if (error instanceof InvalidInputError)
      throw new ApiError('invalid-request', error.message, error.problems);
    throw new ApiError('failed', (error as Error).message);
  }
}
