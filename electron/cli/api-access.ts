import { writesState } from '../../shared/api/channel-map.js';
import type { ApiChannel, ApiRequest, ApiResult } from '../../shared/api/channels.js';
import { dispatch, engineHandlers } from '../engine/api/api-handlers.js';
import { controlSocketPath } from '../engine/control/control-socket.js';
import { Engine } from '../engine/engine.js';
import { lockStore } from '../engine/store/store-lock.js';
import { callEngine, NoEngineError } from '../engine/control/control-client.js';

export interface CliContext {
  configDir: string;
  dockerHost: string | undefined;
}

export interface Answer<K extends ApiChannel> {
  result: ApiResult<K>;
  /** Whether a running engine (daemon or desktop app) answered, so the change applied at once. */
  viaEngine: boolean;
}

/**
 * One path for every command: a running engine answers over its control socket (one writer,
 * the change applies at once with a sweep); otherwise the CLI opens the store itself, under
 * the lock for writes. Either way the same handlers validate the request.
 */
export async function callApi<K extends ApiChannel>(
  ctx: CliContext,
  channel: K,
  body: ApiRequest<K>,
): Promise<Answer<K>> {
  try {
    const result = await callEngine(controlSocketPath(ctx.configDir), channel, body);
    return { result, viaEngine: true };
  } catch (error) {
    if (!(error instanceof NoEngineError)) throw error;
  }
  const unlock = writesState(channel) ? await lockStore(ctx.configDir, { wait: false }) : undefined;
  let engine: Engine | undefined;
  try {
    engine = Engine.open({ configDir: ctx.configDir, dockerHost: ctx.dockerHost });
    const result = (await dispatch(engineHandlers(engine), channel, body)) as ApiResult<K>;
    return { result, viaEngine: false };
  } finally {
    await engine?.stop();
    await unlock?.();
  }
}
