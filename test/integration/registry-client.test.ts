import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Digest } from '../../shared/digest.js';
import { parseImageReference } from '../../shared/image-reference.js';
import { MEDIA_TYPE } from '../../electron/engine/registry/oci-manifest.js';
import { selectPlatformManifest } from '../../electron/engine/registry/platform-manifest.js';
import {
  RegistryClient,
  type RepositoryClient,
} from '../../electron/engine/registry/registry-client.js';
import { startRegistry, type Registry } from '../env/registry.js';

// The client against a real docker-registry (distribution 2.8), filled with plain HTTP PUTs
// the way cosign and oras push: images, a multi-arch index, an OCI 1.1 artifact with a
// subject, the referrers tag clients write for registries without the referrers API, and a
// cosign legacy `.sig` tag.
const BUNDLE_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';

interface Pushed {
  digest: Digest;
  size: number;
  mediaType: string;
}

let registry: Registry;
let repo: RepositoryClient;
let amd64: Pushed;
let arm64: Pushed;
let multi: Pushed;
let dockerV2: Pushed;
let artifact: Pushed;
let layer: Pushed;
let signaturePayload: Buffer;

const sha256 = (bytes: Uint8Array): Digest =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function putBlob(bytes: Buffer, mediaType: string): Promise<Pushed> {
  const digest = sha256(bytes);
  const start = await fetch(`${registry.url}/v2/team/app/blobs/uploads/`, { method: 'POST' });
  expect(start.status).toBe(202);
  const upload = new URL(start.headers.get('location') ?? '', registry.url);
  upload.searchParams.set('digest', digest);
  const put = await fetch(upload, {
    method: 'PUT',
    body: bytes,
    headers: { 'content-type': 'application/octet-stream' },
  });
  expect(put.status).toBe(201);
  return { digest, size: bytes.length, mediaType };
}

async function putManifest(
  reference: string,
  manifest: object,
  mediaType: string,
): Promise<Pushed> {
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, ...manifest }));
  const put = await fetch(`${registry.url}/v2/team/app/manifests/${reference}`, {
    method: 'PUT',
    body: bytes,
    headers: { 'content-type': mediaType },
  });
  expect(put.status, await put.text()).toBe(201);
  return { digest: sha256(bytes), size: bytes.length, mediaType };
}

async function putImage(tag: string, architecture: string): Promise<Pushed> {
  const config = await putBlob(
    Buffer.from(
      JSON.stringify({ architecture, os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
    ),
    'application/vnd.oci.image.config.v1+json',
  );
  return putManifest(tag, { config, layers: [layer] }, MEDIA_TYPE.ociManifest);
}

const descriptor = ({ digest, size, mediaType }: Pushed) => ({ mediaType, digest, size });

beforeAll(async () => {
  registry = await startRegistry();
  repo = new RegistryClient({ credentials: async () => undefined }).repository(
    parseImageReference(`${registry.host}/team/app`),
  );

  layer = await putBlob(Buffer.from('layer bytes'), 'application/vnd.oci.image.layer.v1.tar');
  amd64 = await putImage('v1', 'amd64');
  arm64 = await putImage('v1-arm64', 'arm64');
  multi = await putManifest(
    'multi',
    {
      manifests: [
        { ...descriptor(amd64), platform: { os: 'linux', architecture: 'amd64' } },
        { ...descriptor(arm64), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      ],
    },
    MEDIA_TYPE.ociIndex,
  );
  const dockerConfig = await putBlob(
    Buffer.from('{"architecture":"amd64","os":"linux"}'),
    'application/vnd.docker.container.image.v1+json',
  );
  dockerV2 = await putManifest(
    'docker-v2',
    {
      config: dockerConfig,
      layers: [{ ...descriptor(layer), mediaType: 'application/vnd.docker.image.rootfs.diff.tar' }],
    },
    MEDIA_TYPE.dockerManifest,
  );

  // An OCI 1.1 artifact (a Sigstore bundle) referring to the amd64 image, pushed by digest.
  const empty = await putBlob(Buffer.from('{}'), 'application/vnd.oci.empty.v1+json');
  const bundle = await putBlob(Buffer.from('{"mediaType":"bundle"}'), BUNDLE_TYPE);
  const artifactBody = {
    artifactType: BUNDLE_TYPE,
    config: empty,
    layers: [bundle],
    subject: descriptor(amd64),
  };
  const artifactBytes = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE.ociManifest, ...artifactBody }),
  );
  artifact = await putManifest(sha256(artifactBytes), artifactBody, MEDIA_TYPE.ociManifest);
  // What a client writes when the registry lacks the referrers API (OCI distribution 1.1).
  await putManifest(
    `sha256-${amd64.digest.slice(7)}`,
    { manifests: [{ ...descriptor(artifact), artifactType: BUNDLE_TYPE }] },
    MEDIA_TYPE.ociIndex,
  );

  // A cosign legacy signature of the amd64 image: the `sha256-<hex>.sig` tag.
  signaturePayload = Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': `${registry.host}/team/app` },
        image: { 'docker-manifest-digest': amd64.digest },
        type: 'cosign container image signature',
      },
      optional: null,
    }),
  );
  const payload = await putBlob(signaturePayload, SIMPLE_SIGNING);
  await putManifest(
    `sha256-${amd64.digest.slice(7)}.sig`,
    {
      config: empty,
      layers: [
        {
          ...descriptor(payload),
          annotations: { 'dev.cosignproject.cosign/signature': 'MEUCIQ==' },
        },
      ],
    },
    MEDIA_TYPE.ociManifest,
  );
});

afterAll(async () => {
  await registry?.stop();
});

describe('RegistryClient against docker-registry', () => {
  it('resolves tags and fetches manifests by digest, OCI and Docker schema 2', async () => {
    await expect(repo.resolveTag('v1')).resolves.toBe(amd64.digest);
    const manifest = await repo.getManifest(amd64.digest);
    expect(manifest).toMatchObject({
      kind: 'manifest',
      mediaType: MEDIA_TYPE.ociManifest,
      digest: amd64.digest,
      manifest: { layers: [{ digest: layer.digest }] },
    });
    await expect(repo.getManifest('docker-v2')).resolves.toMatchObject({
      kind: 'manifest',
      mediaType: MEDIA_TYPE.dockerManifest,
      digest: dockerV2.digest,
    });
  });

  it('picks the platform manifest from a multi-arch index', async () => {
    const index = await repo.getManifest('multi');
    expect(index).toMatchObject({ kind: 'index', digest: multi.digest });
    if (index.kind !== 'index') throw new Error('not an index');
    expect(selectPlatformManifest(index.index)?.digest).toBe(amd64.digest);
    const arm = selectPlatformManifest(index.index, { os: 'linux', architecture: 'arm64' });
    expect(arm?.digest).toBe(arm64.digest);
    await expect(repo.getManifest(arm64.digest)).resolves.toMatchObject({ digest: arm64.digest });
  });

  it('fetches blobs within their limit', async () => {
    const blob = await repo.getBlob(layer.digest);
    expect(Buffer.from(blob).toString()).toBe('layer bytes');
    await expect(repo.getBlob(layer.digest, 4)).rejects.toMatchObject({ kind: 'too-large' });
  });

  it('finds referrers through the referrers tag, since this registry has no referrers API', async () => {
    // What distribution 2.8 answers: its router knows no such route.
    const api = await fetch(`${registry.url}/v2/team/app/referrers/${amd64.digest}`);
    expect([api.status, await api.text()]).toEqual([404, '404 page not found\n']);

    await expect(repo.getReferrers(amd64.digest, BUNDLE_TYPE)).resolves.toEqual({
      descriptors: [{ ...descriptor(artifact), artifactType: BUNDLE_TYPE }],
      source: 'referrers-tag',
    });
    await expect(repo.getReferrers(amd64.digest, 'application/spdx+json')).resolves.toEqual({
      descriptors: [],
      source: 'referrers-tag',
    });
    await expect(repo.getReferrers(arm64.digest)).resolves.toEqual({
      descriptors: [],
      source: 'referrers-tag',
    });
    const fetched = await repo.getManifest(artifact.digest);
    expect(fetched).toMatchObject({
      kind: 'manifest',
      manifest: { artifactType: BUNDLE_TYPE, subject: { digest: amd64.digest } },
    });
  });

  it('reads a cosign legacy .sig tag, and finds none for an unsigned image', async () => {
    const sig = await repo.getTag(`sha256-${amd64.digest.slice(7)}.sig`);
    if (sig?.kind !== 'manifest') throw new Error('expected the .sig manifest');
    const [signatureLayer] = sig.manifest.layers;
    expect(signatureLayer).toMatchObject({
      mediaType: SIMPLE_SIGNING,
      annotations: { 'dev.cosignproject.cosign/signature': 'MEUCIQ==' },
    });
    const payload = await repo.getBlob(signatureLayer?.digest ?? '');
    expect(Buffer.from(payload).equals(signaturePayload)).toBe(true);
    await expect(repo.getTag(`sha256-${arm64.digest.slice(7)}.sig`)).resolves.toBeUndefined();
  });

  it('names the repository and the problem when something is missing', async () => {
    const missing = `sha256:${'0'.repeat(64)}` as const;
    await expect(repo.getManifest(missing)).rejects.toMatchObject({
      kind: 'not-found',
      message: `${registry.host}/team/app: manifest ${missing} not found (HTTP 404 MANIFEST_UNKNOWN)`,
    });
    await expect(repo.getBlob(missing)).rejects.toMatchObject({
      kind: 'not-found',
      message: `${registry.host}/team/app: blob ${missing} not found (HTTP 404 BLOB_UNKNOWN)`,
    });
  });
});
