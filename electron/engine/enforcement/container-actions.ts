import type Docker from 'dockerode';

/**
 * The actions taken on a container that is not allowed. Each tolerates the races Docker
 * users create: a container already gone, already stopped, or being removed by `--rm`.
 */

export interface RestartPolicy {
  Name: string;
  MaximumRetryCount?: number | undefined;
}

export interface ActionTimings {
  /** When the engine received the event that led to the action (ms since the epoch). */
  eventAt?: number | undefined;
  /** When the container was killed, if it was running (ms since the epoch). */
  killedAt?: number;
  removedAt?: number;
}

/** Undefined when the container was already gone: someone else (or an earlier event) removed it. */
export async function killAndRemove(
  docker: Docker,
  containerId: string,
): Promise<ActionTimings | undefined> {
  const container = docker.getContainer(containerId);
  const timings: ActionTimings = {};
  if ((await kill(container)) === 'done') timings.killedAt = now();
  // Force: a restart policy may already have started it again between the two calls.
  if ((await tolerate(container.remove({ force: true }))) === 'gone' && !timings.killedAt)
    return undefined;
  timings.removedAt = now();
  return timings;
}

/**
 * Stops a container and keeps it. Its restart policy is set to `no` so neither Docker nor a
 * daemon restart brings it back; the caller keeps the old policy to restore on release.
 */
export async function quarantine(
  docker: Docker,
  containerId: string,
): Promise<ActionTimings & { restartPolicy?: RestartPolicy }> {
  const container = docker.getContainer(containerId);
  const timings: ActionTimings = {};
  if ((await kill(container)) === 'done') timings.killedAt = now();
  const info = await container.inspect();
  const policy = info.HostConfig.RestartPolicy;
  if (policy?.Name && policy.Name !== 'no')
    await container.update({ RestartPolicy: { Name: 'no', MaximumRetryCount: 0 } });
  // A restart policy can have started it again before the update: stop it for good now.
  if ((await container.inspect()).State.Running) await kill(container);
  return policy?.Name ? { ...timings, restartPolicy: policy } : timings;
}

/** Gives a released container its restart policy back. */
export async function restoreRestartPolicy(
  docker: Docker,
  containerId: string,
  policy: RestartPolicy,
): Promise<void> {
  await docker.getContainer(containerId).update({ RestartPolicy: policy });
}

/**
 * Kills a container, or finds there was nothing to kill: dockerd answers 409 for a container
 * that is not running, Podman 500, so on any other failure a container that is not running
 * counts as a conflict, not an error.
 */
async function kill(container: Docker.Container): Promise<'done' | 'gone' | 'conflict'> {
  try {
    return await tolerate(container.kill());
  } catch (error) {
    const state = await container.inspect().then(
      (info) => info.State,
      () => undefined,
    );
    if (state && !state.Running) return 'conflict';
    throw error;
  }
}

/**
 * `done`, or what made the call unnecessary: `gone` (404) or `conflict` (409: not running,
 * or a removal already in progress, e.g. by `--rm`).
 */
async function tolerate(call: Promise<unknown>): Promise<'done' | 'gone' | 'conflict'> {
  try {
    await call;
    return 'done';
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 404) return 'gone';
    if (status === 409) return 'conflict';
    throw error;
  }
}

const now = (): number => performance.timeOrigin + performance.now();
