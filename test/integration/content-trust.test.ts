import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { Engine } from '../../electron/engine/engine.js';
import { RegistryClient } from '../../electron/engine/registry/registry-client.js';
import { notaryV1Validator } from '../../electron/engine/signatures/notary-v1/notary-v1-validator.js';
import type { TrustAnchor } from '../../shared/api/trust-schemas.js';
import type { Digest } from '../../shared/digest.js';
import { parseImageReference } from '../../shared/image-reference.js';
import { containerState, mustRun, removeAllContainers, runDetached } from '../env/containers.js';
import { connectDockerd, type DockerClient } from '../env/dockerd.js';
import { importImage, pushImage } from '../env/images.js';
import { startNotaryServer, type NotaryServer } from '../env/notary-server.js';
import { contentTrustCli, type ContentTrustCli } from '../env/content-trust-cli.js';
import { configDirWith, waitFor } from './support/engine-harness.js';

/**
 * Docker Content Trust end to end with the real tools: the docker CLI signs a tag on push into
 * a real notary-server, and the Notary v1 validator checks a container's digest against it.
 */
let dockerd: DockerClient;
let notary: NotaryServer;
let cli: ContentTrustCli;
let registry: string;
let repo: string;
let signedDigest: Digest;
let unsignedDigest: Digest;
let rootKeyFileId: string;

type NotaryAnchor = Extract<TrustAnchor, { kind: 'notary-v1' }>;
const registryClient = new RegistryClient({ credentials: async () => undefined });

/** The anchor a user would configure for this server: its URL, its CA, the root key file's ID. */
const anchor = (overrides: Partial<NotaryAnchor> = {}): NotaryAnchor => ({
  kind: 'notary-v1',
  server: notary.url,
  rootKey: rootKeyFileId,
  ca: notary.caPem,
  ...overrides,
});

function verify(ref: string, digest: Digest, trust = anchor()) {
  const reference = parseImageReference(ref);
  return notaryV1Validator.verify(
    { reference, digest, repository: registryClient.repository(reference), now: new Date() },
    trust,
  );
}

interface TrustInspection {
  SignedTags: { SignedTag: string; Digest: string }[];
  AdministrativeKeys: { Name: string; Keys: { ID: string }[] }[];
}

async function trustInspect(ref: string): Promise<TrustInspection | undefined> {
  const r = await cli.docker(['trust', 'inspect', ref]);
  if (r.code !== 0) throw new Error(`docker trust inspect ${ref} exited ${r.code}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as TrustInspection[])[0];
}

beforeAll(async () => {
  dockerd = connectDockerd(inject('dockerdDir'));
  registry = inject('registryHost');
  repo = `${registry}/dct/app`;
  notary = await startNotaryServer();
  cli = await contentTrustCli(dockerd, notary);
  await importImage(dockerd, `${repo}:1`);
  signedDigest = await cli.signedPush(`${repo}:1`);
  // Tag 2 of the same repository, pushed without Content Trust.
  await importImage(dockerd, `${repo}:2`);
  unsignedDigest = (await pushImage(dockerd, `${repo}:2`)) as Digest;
  rootKeyFileId = await cli.rootKeyId();
}, 120_000);

afterAll(async () => {
  await notary?.stop();
  await cli?.dispose();
});

describe('docker push with Content Trust', () => {
  it('signs the tag on the notary server', async () => {
    expect(signedDigest).toMatch(/^sha256:/);
    expect(rootKeyFileId).toMatch(/^[0-9a-f]{64}$/);
    expect((await trustInspect(`${repo}:1`))?.SignedTags).toEqual([
      expect.objectContaining({ SignedTag: '1', Digest: signedDigest.slice('sha256:'.length) }),
    ]);
  });
});

describe('the Notary v1 validator', () => {
  it('accepts the signed digest, pinned by the root key file ID or the ID docker trust inspect shows', async () => {
    const verdict = await verify(`${repo}:1`, signedDigest);
    expect(verdict).toMatchObject({ ok: true, signer: `targets (root key ${rootKeyFileId})` });

    // `docker trust inspect` lists the root certificate's key ID, not the key file's.
    const trust = await trustInspect(`${repo}:1`);
    const certKeyId = trust?.AdministrativeKeys.find((k) => k.Name === 'Root')?.Keys[0]?.ID ?? '';
    expect(certKeyId).not.toBe(rootKeyFileId);
    expect(await verify(`${repo}:1`, signedDigest, anchor({ rootKey: certKeyId }))).toMatchObject({
      ok: true,
    });
  });

  it('rejects another digest under the signed tag', async () => {
    const verdict = await verify(`${repo}:1`, unsignedDigest);
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toContain(
      `tag 1 of ${repo} is signed for ${signedDigest}, but the container runs ${unsignedDigest}`,
    );
  });

  it('rejects a tag pushed without Content Trust', async () => {
    const verdict = await verify(`${repo}:2`, unsignedDigest);
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toContain(`${repo}:2 is not signed`);
  });

  it('rejects a repository with no trust data, naming the server', async () => {
    const other = `${registry}/dct/never-signed`;
    const verdict = await verify(`${other}:1`, signedDigest);
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toContain(`no trust data for ${other}`);
    expect(verdict.reason).toContain(notary.url);
  });

  it('rejects when another root key is pinned', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const verdict = await verify(`${repo}:1`, signedDigest, anchor({ rootKey: pem }));
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toContain('is not signed with the pinned root key');
  });

  it('rejects when the trust server certificate is not trusted', async () => {
    const verdict = await verify(`${repo}:1`, signedDigest, {
      kind: 'notary-v1',
      server: notary.url,
      rootKey: rootKeyFileId,
    });
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toContain('could not fetch root.json');
  });

  it('fails closed when the trust server is down', async () => {
    const stopped = await startNotaryServer();
    await stopped.stop();
    const verdict = await verify(
      `${repo}:1`,
      signedDigest,
      anchor({ server: stopped.url, ca: stopped.caPem }),
    );
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toMatch(/could not fetch root\.json .*ECONNREFUSED/);
  });
});

describe('an enforcing engine with a Notary v1 trust policy', () => {
  let started: Engine | undefined;

  afterEach(async () => {
    await started?.stop();
    started = undefined;
    await dockerd.docker(['rm', '-f', 'dct-signed', 'dct-unsigned']);
  });

  it('admits the signed tag by its signature, allowlisting its digest, and removes the unsigned one', async () => {
    // Start from a daemon with no containers, like the other engine tests.
    await removeAllContainers(dockerd);
    const engine = Engine.open({
      configDir: configDirWith({ mode: 'enforce' }),
      dockerHost: dockerd.host,
      validators: { 'notary-v1': notaryV1Validator },
    });
    started = engine;
    const ready = once(engine, 'ready');
    await engine.start();
    await ready;
    await engine.addTrustPolicy({
      name: 'dct',
      scope: `${registry}/dct/**`,
      anchors: [anchor()],
    });

    await mustRun(dockerd, 'dct-signed', `${repo}:1`);
    // Refused at create or at start, whichever the check finishes before: `docker run` may fail.
    await runDetached(dockerd, 'dct-unsigned', `${repo}:2`);

    const entry = await waitFor('the signed digest on the allowlist', async () =>
      engine.store.get().allowlist.find((e) => e.digest === signedDigest),
    );
    expect(entry).toMatchObject({
      source: 'signature',
      signature: {
        policy: 'dct',
        validator: 'notary-v1',
        signer: `targets (root key ${rootKeyFileId})`,
      },
    });
    await waitFor(
      'the unsigned container to be removed',
      async () => (await containerState(dockerd, 'dct-unsigned')) === 'gone',
    );
    expect(await containerState(dockerd, 'dct-signed')).toBe('running');
    expect(engine.store.get().allowlist.map((e) => e.digest)).toEqual([signedDigest]);
    const records = engine.log.read();
    expect(records.find((r) => r.containerName === 'dct-unsigned')).toMatchObject({
      decision: 'removed',
      reason: expect.stringContaining(`${repo}:2 is not signed`),
    });
    // Admitted at create, before it starts: the start then finds the new allowlist entry.
    expect(records.find((r) => r.containerName === 'dct-signed')).toMatchObject({
      decision: 'allowed',
      allowedBy: { digest: signedDigest },
    });
  });
});
