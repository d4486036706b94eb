import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import {
  killAndRemove,
  quarantine,
} from '../../../../electron/engine/enforcement/container-actions.js';

const failure = (statusCode: number) =>
  Object.assign(new Error(`HTTP ${statusCode}`), { statusCode });

/** One container as an engine answers for it: `killStatus` is what a kill fails with, if it does. */
function engine(options: { running: boolean; killStatus?: number }, calls: string[]): Docker {
  const container = {
    kill: async () => {
      calls.push('kill');
      if (options.killStatus) throw failure(options.killStatus);
    },
    remove: async () => void calls.push('remove'),
    inspect: async () => ({
      State: { Running: options.running },
      HostConfig: { RestartPolicy: { Name: 'no' } },
    }),
    update: async () => void calls.push('update'),
  };
  return { getContainer: () => container } as unknown as Docker;
}

describe('killAndRemove and quarantine across engines', () => {
  it('removes a created container that Podman refuses to kill with a 500', async () => {
    const calls: string[] = [];
    const timings = await killAndRemove(engine({ running: false, killStatus: 500 }, calls), 'c');
    expect(calls).toEqual(['kill', 'remove']);
    expect(timings?.removedAt).toBeTypeOf('number');
    expect(timings?.killedAt).toBeUndefined();
    // Quarantine: nothing to kill, the policy read and kept as it was.
    await expect(quarantine(engine({ running: false, killStatus: 500 }, []), 'c')).resolves.toEqual(
      {
        restartPolicy: { Name: 'no' },
      },
    );
  });

  it('still fails when the kill fails and the container is running', async () => {
    await expect(
      killAndRemove(engine({ running: true, killStatus: 500 }, []), 'c'),
    ).rejects.toThrow('HTTP 500');
  });
});
