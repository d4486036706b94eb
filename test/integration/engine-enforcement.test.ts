import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { Engine } from '../../electron/engine/engine.js';
import { connectDockerd, type DockerClient } from '../env/dockerd.js';
import { importImage, pushImage } from '../env/images.js';
import {
  containerState,
  must,
  mustRun,
  removeAllContainers,
  runDetached,
} from '../env/containers.js';
import { configDirWith, startEngine, waitFor } from './support/engine-harness.js';

/**
 * The engine against the shared real dockerd: what runs, what is removed, quarantined or
 * only reported. Every test starts from a daemon with no containers.
 */
let dockerd: DockerClient;
let engine: Engine | undefined;
let allowedId: string;
let unknownId: string;

const docker = (...args: string[]) => must(dockerd, args);
const state = (name: string) => containerState(dockerd, name);

beforeAll(async () => {
  dockerd = connectDockerd(inject('dockerdDir'));
  allowedId = await importImage(dockerd, 'enf/allowed:1');
  unknownId = await importImage(dockerd, 'enf/unknown:1');
});

beforeEach(() => removeAllContainers(dockerd));

afterEach(async () => {
  await engine?.stop();
  engine = undefined;
});

describe('enforce mode', () => {
  it('keeps an allowed container running and removes an unknown one, logging both', async () => {
    const configDir = configDirWith({ mode: 'enforce', allow: [allowedId] });
    engine = await startEngine(configDir, dockerd.host);
    await mustRun(dockerd, 'ok', 'enf/allowed:1');
    // Enforce mode removes it as soon as it is created, so `docker run` itself may fail.
    await runDetached(dockerd, 'intruder', 'enf/unknown:1');
    await waitFor(
      'the unknown container to be removed',
      async () => (await state('intruder')) === 'gone',
    );
    expect(await state('ok')).toBe('running');
    const records = engine.log.read();
    expect(records.find((r) => r.containerName === 'ok')).toMatchObject({
      decision: 'allowed',
      imageId: allowedId,
      allowedBy: { kind: 'entry', digest: allowedId },
      trigger: 'start',
    });
    expect(records.find((r) => r.containerName === 'intruder')).toMatchObject({
      decision: 'removed',
      imageRef: 'enf/unknown:1',
      imageId: unknownId,
      digests: [],
      trigger: expect.stringMatching(/^(create|start)$/),
    });
    expect(readFileSync(engine.log.path, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('catches a retagged image: identity is the image ID, never the name', async () => {
    engine = await startEngine(
      configDirWith({ mode: 'enforce', allow: [allowedId] }),
      dockerd.host,
    );
    await docker('tag', 'enf/unknown:1', 'enf/allowed:retagged');
    await runDetached(dockerd, 'impostor', 'enf/allowed:retagged');
    await waitFor('the impostor to be removed', async () => (await state('impostor')) === 'gone');
    expect(engine.log.read().at(-1)).toMatchObject({
      containerName: 'impostor',
      decision: 'removed',
      imageId: unknownId,
    });
  });

  it('allows by registry digest (RepoDigests) as well as by image ID', async () => {
    const registry = inject('registryHost');
    const ref = `${registry}/enf/pushed:1`;
    await importImage(dockerd, ref);
    const digest = await pushImage(dockerd, ref);
    engine = await startEngine(configDirWith({ mode: 'enforce', allow: [digest] }), dockerd.host);
    await mustRun(dockerd, 'from-registry', ref);
    await waitFor('a decision', async () =>
      engine?.log.read().find((r) => r.containerName === 'from-registry'),
    );
    expect(await state('from-registry')).toBe('running');
    expect(engine.log.read().at(-1)).toMatchObject({
      decision: 'allowed',
      digests: [digest],
      allowedBy: { digest },
    });
  });

  it('sweeps stopped containers too when enforcement comes on at runtime', async () => {
    engine = await startEngine(
      configDirWith({ enabled: false, mode: 'enforce', allow: [allowedId] }),
      dockerd.host,
    );
    await docker('create', '--network', 'none', '--name', 'created-unknown', 'enf/unknown:1');
    await docker('run', '--network', 'none', '--name', 'exited-unknown', 'enf/unknown:1', 'true');
    await mustRun(dockerd, 'running-unknown', 'enf/unknown:1');
    await docker('create', '--network', 'none', '--name', 'created-allowed', 'enf/allowed:1');
    expect(await state('running-unknown')).toBe('running'); // enforcement is off
    await engine.setEnforcement(true); // resolves after the sweep it causes
    expect(await state('created-unknown')).toBe('gone');
    expect(await state('exited-unknown')).toBe('gone');
    expect(await state('running-unknown')).toBe('gone');
    expect(await state('created-allowed')).toBe('created');
  });

  it('removes running containers allowed only by an entry that is then removed', async () => {
    engine = await startEngine(
      configDirWith({ mode: 'enforce', allow: [allowedId] }),
      dockerd.host,
    );
    await mustRun(dockerd, 'was-allowed', 'enf/allowed:1');
    await engine.removeFromAllowlist([allowedId]);
    expect(await state('was-allowed')).toBe('gone');
  });

  it('fails closed: a container whose image cannot be resolved is not allowed', async () => {
    // An image that vanished under a created container leaves Docker unable to say what it runs.
    await importImage(dockerd, 'enf/ephemeral:1');
    await docker('create', '--network', 'none', '--name', 'orphan', 'enf/ephemeral:1');
    await docker('rmi', '-f', 'enf/ephemeral:1');
    engine = await startEngine(
      configDirWith({ mode: 'enforce', allow: [allowedId] }),
      dockerd.host,
    );
    expect(await state('orphan')).toBe('gone');
    expect(engine.log.read().at(-1)).toMatchObject({
      containerName: 'orphan',
      decision: 'removed',
    });
    expect(engine.log.read().at(-1)?.reason).toMatch(/could not resolve image .*cannot decide/);
  });
});

describe('audit and quarantine modes', () => {
  it('audit only reports', async () => {
    engine = await startEngine(configDirWith({ mode: 'audit', allow: [allowedId] }), dockerd.host);
    await mustRun(dockerd, 'watched', 'enf/unknown:1');
    const record = await waitFor('an audit record', async () =>
      engine?.log.read().find((r) => r.containerName === 'watched'),
    );
    expect(record).toMatchObject({ decision: 'audited', imageId: unknownId });
    expect(await state('watched')).toBe('running');
  });

  it('quarantine stops and keeps the container, with no restart, until it is approved', async () => {
    engine = await startEngine(
      configDirWith({ mode: 'quarantine', allow: [allowedId] }),
      dockerd.host,
    );
    await mustRun(dockerd, 'suspect', 'enf/unknown:1', undefined, ['--restart', 'always']);
    await waitFor(
      'the container to be quarantined',
      async () => Object.keys(engine?.store.get().quarantine ?? {}).length > 0,
    );
    await new Promise((r) => setTimeout(r, 500)); // long enough for a restart policy to act
    expect(await state('suspect')).toBe('exited');
    expect(
      await docker('inspect', '--format', '{{.HostConfig.RestartPolicy.Name}}', 'suspect'),
    ).toBe('no');
    const [record] = Object.values(engine.store.get().quarantine);
    expect(record).toMatchObject({
      containerName: 'suspect',
      imageId: unknownId,
      restartPolicy: { Name: 'always' },
    });
    expect(engine.log.read().at(-1)).toMatchObject({
      decision: 'quarantined',
      containerName: 'suspect',
    });

    // Started again by hand while still not allowed: stopped again.
    await docker('start', 'suspect');
    await waitFor('it to be stopped again', async () => (await state('suspect')) === 'exited');

    await engine.addToAllowlist([unknownId], 'approved after review');
    expect(engine.store.get().quarantine).toEqual({});
    expect(
      await docker('inspect', '--format', '{{.HostConfig.RestartPolicy.Name}}', 'suspect'),
    ).toBe('always');
    await docker('start', 'suspect');
    await new Promise((r) => setTimeout(r, 500));
    expect(await state('suspect')).toBe('running');
  });
});

describe('what the faces show and do', () => {
  it('lists containers with decisions, including the ones it removed', async () => {
    engine = await startEngine(
      configDirWith({ mode: 'enforce', allow: [allowedId] }),
      dockerd.host,
    );
    await mustRun(dockerd, 'listed', 'enf/allowed:1');
    await runDetached(dockerd, 'blocked', 'enf/unknown:1');
    await waitFor(
      'the blocked container to be removed',
      async () => (await state('blocked')) === 'gone',
    );
    const list = await engine.listContainers();
    expect(list.find((c) => c.containerName === 'listed')).toMatchObject({
      allowed: true,
      state: 'running',
    });
    expect(list.find((c) => c.containerName === 'blocked')).toMatchObject({
      allowed: false,
      state: 'removed',
      imageId: unknownId,
      lastDecision: { decision: 'removed' },
    });
  });

  it('approving a quarantined container allowlists its image and starts it again', async () => {
    engine = await startEngine(
      configDirWith({ mode: 'quarantine', allow: [allowedId] }),
      dockerd.host,
    );
    const id = await mustRun(dockerd, 'held', 'enf/unknown:1');
    // The record is written after the kill: wait for it, as the face shows it only then.
    await waitFor('the container to be quarantined', async () =>
      Object.keys(engine?.store.get().quarantine ?? {}).some(
        (key) => id.startsWith(key) || key.startsWith(id),
      ),
    );
    const result = await engine.approveContainer(id.slice(0, 12), 'reviewed by the team');
    expect(result).toEqual({ digest: unknownId, restarted: true });
    expect(engine.store.get().allowlist.find((e) => e.digest === unknownId)).toMatchObject({
      label: 'reviewed by the team',
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(await state('held')).toBe('running');
    await expect(engine.approveContainer('0123456789ab')).rejects.toThrow(
      /not known to Docker or to this engine/,
    );
  });
});
