import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../electron/engine/engine.js';
import {
  containerState,
  must,
  mustRun,
  removeAllContainers,
  runDetached,
} from '../env/containers.js';
import { importImage } from '../env/images.js';
import { startPodman, type PodmanService } from '../env/podman.js';
import { configDirWith, startEngine, waitFor } from './support/engine-harness.js';

/**
 * The engine against a real `podman system service` (Debian's Podman, rootful, private
 * storage): Podman speaks the Docker API with its own accent. Image names come back fully
 * qualified (`docker.io/...`), an imported image already has a locally made RepoDigest, and
 * removal events are `remove`, not `destroy`. Decisions must not care.
 */
let podman: PodmanService;
let engine: Engine | undefined;
let allowedId: string;
let unknownId: string;

const state = (name: string) => containerState(podman, name);

beforeAll(async () => {
  podman = await startPodman();
  allowedId = await importImage(podman, 'pm/allowed:1');
  unknownId = await importImage(podman, 'pm/unknown:1');
});

afterAll(async () => {
  await podman?.dispose();
});

beforeEach(() => removeAllContainers(podman));

afterEach(async () => {
  await engine?.stop();
  engine = undefined;
});

describe('enforcement on Podman', () => {
  it('keeps an allowed container running and removes an unknown one, by image ID', async () => {
    engine = await startEngine(configDirWith({ mode: 'enforce', allow: [allowedId] }), podman.host);
    await mustRun(podman, 'ok', 'pm/allowed:1');
    await runDetached(podman, 'intruder', 'pm/unknown:1');
    await waitFor(
      'the unknown container to be removed',
      async () => (await state('intruder')) === 'gone',
    );
    expect(await state('ok')).toBe('running');
    const records = engine.log.read();
    expect(records.find((r) => r.containerName === 'ok')).toMatchObject({
      decision: 'allowed',
      imageRef: 'docker.io/pm/allowed:1',
      allowedBy: { kind: 'entry', digest: allowedId },
    });
    expect(records.find((r) => r.containerName === 'intruder')).toMatchObject({
      decision: 'removed',
      imageId: unknownId,
    });
  });

  it('catches a retag, and removes stopped unknown containers when enforcement comes on', async () => {
    engine = await startEngine(
      configDirWith({ enabled: false, mode: 'enforce', allow: [allowedId] }),
      podman.host,
    );
    await must(podman, ['tag', 'pm/unknown:1', 'pm/allowed:retagged']);
    await must(podman, ['create', '--name', 'impostor', 'pm/allowed:retagged']);
    await must(podman, ['create', '--name', 'fine', 'pm/allowed:1']);
    await engine.setEnforcement(true); // resolves after the sweep it causes
    expect(await state('impostor')).toBe('gone');
    expect(await state('fine')).toBe('created');
  });

  it('audit only reports', async () => {
    engine = await startEngine(configDirWith({ mode: 'audit', allow: [allowedId] }), podman.host);
    await mustRun(podman, 'watched', 'pm/unknown:1');
    const record = await waitFor('an audit record', async () =>
      engine?.log.read().find((r) => r.containerName === 'watched'),
    );
    expect(record).toMatchObject({ decision: 'audited', imageId: unknownId });
    expect(await state('watched')).toBe('running');
  });
});
