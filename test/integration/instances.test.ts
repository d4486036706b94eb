import type { Server } from 'node:net';
import { afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { engineHandlers } from '../../electron/engine/api/api-handlers.js';
import { startControlServer } from '../../electron/engine/control/control-server.js';
import { controlSocketPath } from '../../electron/engine/control/control-socket.js';
import type { Engine } from '../../electron/engine/engine.js';
import type { InstanceChange } from '../../shared/api/instance-schemas.js';
import { containerState, must, removeAllContainers, runDetached } from '../env/containers.js';
import {
  generateSigningKey,
  pushCosignSignatures,
  signPayload,
  simpleSigningPayload,
  type SigningKey,
} from '../env/cosign-signer.js';
import { connectDockerd, type DockerClient } from '../env/dockerd.js';
import { importImage, pushImage } from '../env/images.js';
import { configDirWith, gatehouse, startEngine, waitFor } from './support/engine-harness.js';

/**
 * Managed containers on the real daemon and registry: pinned by digest, or by a tag whose
 * signature verifies (the digest is written back); a bad signature never starts; an
 * instance's digest allows the same image from the docker CLI only while it is enabled.
 */
let dockerd: DockerClient;
let registry: string;
let key: SigningKey;
let engine: Engine | undefined;
let server: Server | undefined;

async function publish(path: string, tag: string, signer: SigningKey | undefined) {
  const ref = `${registry}/${path}:${tag}`;
  await importImage(dockerd, ref);
  const digest = await pushImage(dockerd, ref);
  if (signer)
    await pushCosignSignatures({ host: registry, path }, digest, [
      signPayload(signer, simpleSigningPayload(`${registry}/${path}`, digest)),
    ]);
  // Gone locally, so running the instance has to pull it by digest from the registry.
  await must(dockerd, ['rmi', '-f', ref]);
  return { ref, digest };
}

async function labelled(name: string): Promise<string[]> {
  const out = await must(dockerd, [
    'ps',
    '-a',
    '--filter',
    `label=dev.gatehouse.instance=${name}`,
    '--format',
    '{{.ID}} {{.State}}',
  ]);
  return out.split('\n').filter(Boolean);
}

async function withTrust(): Promise<Engine> {
  const started = await startEngine(configDirWith({ mode: 'enforce' }), dockerd.host);
  await started.addTrustPolicy({
    name: 'team',
    scope: `${registry}/inst/**`,
    anchors: [{ kind: 'cosign-key', publicKey: key.publicKeyPem }],
  });
  return started;
}

beforeAll(() => {
  dockerd = connectDockerd(inject('dockerdDir'));
  registry = inject('registryHost');
  key = generateSigningKey();
});

beforeEach(() => removeAllContainers(dockerd));

afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
  await engine?.stop();
  engine = undefined;
});

const sleeper = { command: ['sleep', '300'] };

describe('managed containers', () => {
  it('runs exactly the pinned digest, and allows that image from the CLI only while enabled', async () => {
    const image = await publish('inst/pinned', '1', undefined);
    engine = await startEngine(configDirWith({ mode: 'enforce' }), dockerd.host);

    const added = await engine.instances.add({
      name: 'pinned',
      image: image.ref,
      digest: image.digest,
      run: sleeper,
    });
    expect(added).toMatchObject({
      enabled: true,
      digest: image.digest,
      container: { state: 'running' },
    });
    expect(added.problem).toBeUndefined();
    expect(await labelled('pinned')).toHaveLength(1);

    // The same image run by hand is allowed by the instance's digest.
    expect(
      (await runDetached(dockerd, 'by-hand', `${registry}/inst/pinned@${image.digest}`)).code,
    ).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(await containerState(dockerd, 'by-hand')).toBe('running');
    const allowed = engine.log.read(50).find((r) => r.containerName === 'by-hand');
    expect(allowed?.allowedBy).toEqual({
      kind: 'instance',
      digest: image.digest,
      instance: 'pinned',
    });

    // The dry run names the container that disabling will stop, and changes nothing.
    const dry = await engine.instances.disable('pinned', true);
    expect(dry.affected.map((c) => c.containerName)).toEqual(['by-hand']);
    expect(await containerState(dockerd, 'by-hand')).toBe('running');
    expect(await labelled('pinned')).toHaveLength(1);

    const disabled = await engine.instances.disable('pinned');
    expect(disabled.affected.map((c) => c.containerName)).toEqual(['by-hand']);
    expect(await labelled('pinned')).toEqual([]);
    expect(await containerState(dockerd, 'by-hand')).toBe('gone');

    // Enabled again: its container runs, and the same image by hand is allowed again.
    const enabled = await engine.instances.enable('pinned');
    expect(enabled.container?.state).toBe('running');
    expect(
      (await runDetached(dockerd, 'by-hand-2', `${registry}/inst/pinned@${image.digest}`)).code,
    ).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(await containerState(dockerd, 'by-hand-2')).toBe('running');

    // Removing it stops it and everything it allowed.
    const removed = await engine.instances.remove('pinned');
    expect(removed.affected.map((c) => c.containerName)).toEqual(['by-hand-2']);
    expect(await labelled('pinned')).toEqual([]);
    expect(await containerState(dockerd, 'by-hand-2')).toBe('gone');
    expect(engine.store.get().instances).toEqual([]);
  });

  it('verifies a signed tag, writes the digest back and runs it; a new image is picked up after clearing the digest', async () => {
    const first = await publish('inst/signed', 'stable', key);
    engine = await withTrust();

    const added = await engine.instances.add({
      name: 'signed',
      image: first.ref,
      trustPolicy: 'team',
      run: sleeper,
    });
    expect(added).toMatchObject({ digest: first.digest, container: { state: 'running' } });
    expect(engine.store.get().instances[0]?.digest).toBe(first.digest);

    // A new image is pushed (and signed) under the same tag: nothing changes until asked.
    const second = await publish('inst/signed', 'stable', key);
    expect(second.digest).not.toBe(first.digest);
    expect(engine.store.get().instances[0]?.digest).toBe(first.digest);

    const cleared: InstanceChange = await engine.instances.setDigest('signed', null);
    expect(cleared.instance).toMatchObject({
      digest: second.digest,
      container: { state: 'running' },
    });
    expect(engine.store.get().instances[0]?.digest).toBe(second.digest);
    const containers = await labelled('signed');
    expect(containers).toHaveLength(1);
    const runs = await must(dockerd, ['inspect', '--format', '{{.Config.Image}}', 'signed']);
    expect(runs).toBe(`${registry}/inst/signed@${second.digest}`);

    // Checking again with nothing new under the tag changes nothing: same container.
    const again = await engine.instances.setDigest('signed', null);
    expect(again.affected).toEqual([]);
    expect(await labelled('signed')).toEqual(containers);

    // An image under the tag that does not verify is not taken: the old pin keeps running.
    await publish('inst/signed', 'stable', generateSigningKey());
    await expect(engine.instances.setDigest('signed', null)).rejects.toThrow(
      `stays pinned to ${second.digest}`,
    );
    expect(engine.store.get().instances[0]?.digest).toBe(second.digest);
    expect(await labelled('signed')).toEqual(containers);
  });

  it('does not start an instance whose tag has a bad signature, and says why', async () => {
    const other = generateSigningKey();
    const image = await publish('inst/forged', '1', other);
    engine = await withTrust();

    const added = await engine.instances.add({
      name: 'forged',
      image: image.ref,
      trustPolicy: 'team',
      run: sleeper,
    });
    expect(added.digest).toBeUndefined();
    expect(added.container).toBeUndefined();
    expect(added.problem).toMatch(/^not started: .* did not verify under trust policy "team"/);
    expect(await labelled('forged')).toEqual([]);
    expect(engine.store.get().instances[0]).toMatchObject({
      enabled: true,
      problem: added.problem,
    });
    expect(engine.store.get().instances[0]?.digest).toBeUndefined();
  });

  it('adopts running instances after a restart without duplicating them, and restarts a missing one', async () => {
    const image = await publish('inst/adopt', '1', undefined);
    const configDir = configDirWith({ mode: 'enforce' });
    engine = await startEngine(configDir, dockerd.host);
    await engine.instances.add({
      name: 'adopt',
      image: image.ref,
      digest: image.digest,
      run: sleeper,
    });
    const [before] = await labelled('adopt');
    await engine.stop();
    // A second container carrying the instance's label (made by hand while no engine ran).
    await runDetached(dockerd, 'adopt-copy', `${registry}/inst/adopt@${image.digest}`, undefined, [
      '--label',
      'dev.gatehouse.instance=adopt',
    ]);

    engine = await startEngine(configDir, dockerd.host);
    await engine.instances.adopt();
    expect(await labelled('adopt')).toEqual([before]);
    expect(await containerState(dockerd, 'adopt-copy')).toBe('gone');
    await new Promise((r) => setTimeout(r, 300));
    expect(await containerState(dockerd, 'adopt')).toBe('running');
    await engine.stop();

    // Its container was removed while no engine ran: it is recreated with the same digest.
    await must(dockerd, ['rm', '-f', 'adopt']);
    engine = await startEngine(configDir, dockerd.host);
    await waitFor(
      'the instance to be recreated',
      async () => (await labelled('adopt')).length === 1,
    );
    const runs = await must(dockerd, ['inspect', '--format', '{{.Config.Image}}', 'adopt']);
    expect(runs).toBe(`${registry}/inst/adopt@${image.digest}`);
    expect(await labelled('adopt')).toHaveLength(1);
  });

  it('is driven by the gatehouse command: add, list, dry run, disable', async () => {
    const image = await publish('inst/cli', '1', undefined);
    const configDir = configDirWith({ mode: 'enforce' });
    engine = await startEngine(configDir, dockerd.host);
    server = await startControlServer(controlSocketPath(configDir), engineHandlers(engine));
    const gh = (...args: string[]) => gatehouse(['--config-dir', configDir, ...args]);

    const bad = await gh('instance', 'add', 'cli', '--image', image.ref, '--digest', 'sha256:nope');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/sha256:nope/);

    const add = await gh(
      'instance',
      'add',
      'cli',
      '--image',
      image.ref,
      '--digest',
      image.digest,
      '-e',
      'GREETING=hi',
      '--',
      'sleep',
      '300',
    );
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    expect(add.stdout).toContain(`instance "cli" runs ${image.ref}@${image.digest}`);

    const list = await gh('instance', 'list', '--json');
    expect(JSON.parse(list.stdout)).toMatchObject([
      { name: 'cli', enabled: true, digest: image.digest, run: { env: ['GREETING=hi'] } },
    ]);

    await runDetached(dockerd, 'manual', `${registry}/inst/cli@${image.digest}`);
    const dry = await gh('instance', 'disable', 'cli', '--dry-run');
    expect(dry.stdout).toMatch(/would stop 1 container\(s\)[\s\S]*manual/);
    expect(await containerState(dockerd, 'manual')).toBe('running');

    const disable = await gh('instance', 'disable', 'cli');
    expect(disable.code).toBe(0);
    expect(disable.stdout).toMatch(/disabled instance "cli"[\s\S]*manual/);
    expect(await containerState(dockerd, 'manual')).toBe('gone');
    expect(await labelled('cli')).toEqual([]);
  });
});
