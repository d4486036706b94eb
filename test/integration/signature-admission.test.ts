import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { Engine } from '../../electron/engine/engine.js';
import { connectDockerd, type DockerClient } from '../env/dockerd.js';
import { containerState, removeAllContainers, runDetached } from '../env/containers.js';
import {
  generateSigningKey,
  pushCosignSignatures,
  signPayload,
  simpleSigningPayload,
  type SigningKey,
} from '../env/cosign-signer.js';
import { importImage, pushImage } from '../env/images.js';
import { configDirWith, gatehouse, startEngine, waitFor } from './support/engine-harness.js';

/**
 * The whole flow on the real daemon and registry, with the engine's shipped validators: a
 * container of a signed image runs and its digest joins the allowlist with its provenance; an
 * unsigned or wrongly signed one does not run.
 */
let dockerd: DockerClient;
let registry: string;
let key: SigningKey;
let signed: { ref: string; digest: string };
let unsigned: { ref: string; digest: string };
let engine: Engine | undefined;

async function publish(path: string, sign: SigningKey | undefined) {
  const ref = `${registry}/${path}:1`;
  await importImage(dockerd, ref);
  const digest = await pushImage(dockerd, ref);
  if (sign) {
    const repository = `${registry}/${path}`;
    await pushCosignSignatures({ host: registry, path }, digest, [
      signPayload(sign, simpleSigningPayload(repository, digest)),
    ]);
  }
  return { ref, digest };
}

beforeAll(async () => {
  dockerd = connectDockerd(inject('dockerdDir'));
  registry = inject('registryHost');
  key = generateSigningKey();
  signed = await publish('sig/app', key);
  unsigned = await publish('sig/unsigned', undefined);
});

beforeEach(() => removeAllContainers(dockerd));

afterEach(async () => {
  await engine?.stop();
  engine = undefined;
});

describe('admission by a verified signature', () => {
  it('runs a signed image, allowlists its digest with provenance, and refuses an unsigned one', async () => {
    engine = await startEngine(configDirWith({ mode: 'enforce' }), dockerd.host);
    await engine.addTrustPolicy({
      name: 'team',
      scope: `${registry}/sig/**`,
      anchors: [{ kind: 'cosign-key', publicKey: key.publicKeyPem }],
    });

    expect((await runDetached(dockerd, 'signed', signed.ref)).code).toBe(0);
    await runDetached(dockerd, 'unsigned', unsigned.ref);
    await waitFor(
      'the unsigned container to be removed',
      async () => (await containerState(dockerd, 'unsigned')) === 'gone',
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(await containerState(dockerd, 'signed')).toBe('running');

    const entry = engine.store.get().allowlist.find((e) => e.digest === signed.digest);
    expect(entry).toMatchObject({
      source: 'signature',
      signature: {
        policy: 'team',
        validator: 'cosign-key',
        signer: expect.stringMatching(/^[0-9a-f]{64}$|key/),
      },
    });
    const records = engine.log.read();
    expect(
      records.find((r) => r.containerName === 'signed' && r.allowedBy?.kind === 'signature'),
    ).toMatchObject({
      decision: 'allowed',
      digests: [signed.digest],
      allowedBy: { kind: 'signature', policy: 'team', digest: signed.digest },
    });
    const refused = records.find((r) => r.containerName === 'unsigned');
    expect(refused?.decision).toBe('removed');
    expect(refused?.reason).toMatch(/no cosign signature found/);
  });

  it('a signature by another key, or for another repository, does not admit', async () => {
    const other = generateSigningKey();
    const wrongKey = await publish('sig/wrong-key', other);
    const moved = await publish('sig/moved', undefined);
    // A valid signature, but for the digest in another repository than the one it runs from.
    await pushCosignSignatures({ host: registry, path: 'sig/moved' }, moved.digest, [
      signPayload(key, simpleSigningPayload(`${registry}/sig/elsewhere`, moved.digest)),
    ]);
    engine = await startEngine(configDirWith({ mode: 'audit' }), dockerd.host);
    await engine.addTrustPolicy({
      scope: `${registry}/sig/**`,
      anchors: [{ kind: 'cosign-key', publicKey: key.publicKeyPem }],
    });
    await runDetached(dockerd, 'wrong-key', wrongKey.ref);
    await runDetached(dockerd, 'moved', moved.ref);
    const audited = await waitFor('both audited', async () => {
      const r = engine?.log.read().filter((x) => x.decision === 'audited') ?? [];
      return r.length >= 2 && r;
    });
    expect(audited.find((r) => r.containerName === 'wrong-key')?.reason).toMatch(/different key/);
    expect(audited.find((r) => r.containerName === 'moved')?.reason).toMatch(/sig\/elsewhere/);
    expect(engine.store.get().allowlist).toEqual([]);
  });
});

describe('gatehouse trust and verify', () => {
  it('adds a policy from files, verifies in the registry (exit 0 / 4) and refuses bad anchors', async () => {
    const configDir = configDirWith({ mode: 'audit' });
    const keyFile = join(mkdtempSync(join(tmpdir(), 'gh-key-')), 'cosign.pub');
    writeFileSync(keyFile, key.publicKeyPem);
    const gh = (...args: string[]) =>
      gatehouse(['--config-dir', configDir, '--docker-host', dockerd.host, ...args]);

    const settings = join(configDir, 'settings.json');
    const before = readFileSync(settings, 'utf8');
    const bad = join(mkdtempSync(join(tmpdir(), 'gh-key-')), 'bad.pub');
    writeFileSync(bad, '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n');
    const refused = await gh('trust', 'add', '--scope', `${registry}/sig/**`, '--cosign-key', bad);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /anchor 1 \(cosign-key\): the cosign public key is not a PEM public key/,
    );
    expect((await gh('trust', 'add', '--scope', `${registry}/sig/**`)).code).toBe(2);
    expect(
      (await gh('trust', 'add', '--scope', 'Not A Pattern', '--cosign-key', keyFile)).code,
    ).toBe(1);
    expect(readFileSync(settings, 'utf8')).toBe(before);

    const added = await gh(
      'trust',
      'add',
      '--scope',
      `${registry}/sig/**`,
      '--cosign-key',
      keyFile,
      '--name',
      'team',
    );
    expect(added.stdout).toContain('added trust policy "team"');
    expect(JSON.parse((await gh('trust', 'list', '--json')).stdout)).toMatchObject([
      { name: 'team', scope: `${registry}/sig/**`, threshold: 1 },
    ]);

    const ok = await gh('verify', signed.ref, '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      ok: true,
      digest: signed.digest,
      policy: 'team',
    });
    const no = await gh('verify', unsigned.ref);
    expect(no.code).toBe(4);
    expect(no.stdout).toMatch(/NOT verified: .*no cosign signature found/);
    expect((await gh('verify', 'docker.io/library/alpine:3')).stdout).toMatch(
      /no trust policy covers docker.io\/library\/alpine/,
    );
    expect((await gh('trust', 'remove', 'team')).code).toBe(0);
  });
});
