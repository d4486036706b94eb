import { once } from 'node:events';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Engine } from '../../electron/engine/engine.js';
import { startDockerd, type Dockerd } from '../env/dockerd.js';
import { importImage } from '../env/images.js';
import { runDetached } from '../env/containers.js';
import { configDirWith, startEngine, waitFor } from './support/engine-harness.js';

/** A private dockerd, since this test restarts it. */
let dockerd: Dockerd;
let engine: Engine | undefined;

beforeAll(async () => {
  dockerd = await startDockerd();
});

afterAll(async () => {
  await engine?.stop();
  await dockerd?.dispose();
});

it('reconnects after a daemon restart and catches what started while it was away', async () => {
  const allowed = await importImage(dockerd, 'rc/allowed:1');
  await importImage(dockerd, 'rc/unknown:1');
  // A slow first retry leaves a window in which the daemon is back but the engine is not.
  engine = await startEngine(configDirWith({ mode: 'enforce', allow: [allowed] }), dockerd.host, {
    initialMs: 6_000,
    maxMs: 6_000,
  });
  const states: string[] = [];
  engine.on('connection', (c) => states.push(c.state));

  await dockerd.restart();
  expect(engine.status().connection.state).toBe('disconnected');
  const run = await runDetached(dockerd, 'sneaky', 'rc/unknown:1');
  expect(run.code).toBe(0);

  const ready = once(engine, 'ready');
  await ready;
  await waitFor('the sneaky container to be removed', async () => {
    const r = await dockerd.docker(['inspect', 'sneaky']);
    return r.code !== 0;
  });
  expect(engine.log.read().at(-1)).toMatchObject({
    containerName: 'sneaky',
    decision: 'removed',
    trigger: 'sweep:connected',
  });
  expect(states).toContain('disconnected');
  expect(states.at(-1)).toBe('connected');

  // And it watches events again after the reconnect.
  await runDetached(dockerd, 'later', 'rc/unknown:1');
  await waitFor(
    'the later container to be removed',
    async () => (await dockerd.docker(['inspect', 'later'])).code !== 0,
  );
  expect(engine.log.read().at(-1)).toMatchObject({
    containerName: 'later',
    trigger: expect.stringMatching(/^(create|start)$/),
  });
});
