import { createHash } from 'node:crypto';

/**
 * Writes to a registry that takes anonymous pushes over HTTP (the test registry) what signing
 * tools write: blobs, manifests, indexes and OCI 1.1 referrers. Shared by the test signers.
 */

export interface Repo {
  /** `127.0.0.1:PORT` */
  host: string;
  /** e.g. `team/app` */
  path: string;
}

export const MEDIA = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  empty: 'application/vnd.oci.empty.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

export interface ReferrerContent {
  artifactType: string;
  layerMediaType: string;
  content: Uint8Array | string;
  annotations?: Record<string, string>;
}

/**
 * Attaches an artifact to an image: an OCI 1.1 manifest whose `subject` is the image; on a
 * registry without the referrers API, also the image's `sha256-<hex>` referrers tag, as the
 * OCI distribution spec tells clients to.
 */
export async function pushReferrer(
  repo: Repo,
  imageDigest: string,
  artifact: ReferrerContent,
): Promise<string> {
  const image = await getManifest(repo, imageDigest);
  if (image === undefined) throw new Error(`${repo.path}@${imageDigest} is not in the registry`);
  const config = await uploadBlob(repo, '{}');
  const layer = await uploadBlob(repo, artifact.content);
  const annotations = artifact.annotations ?? {};
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    artifactType: artifact.artifactType,
    config: { mediaType: MEDIA.empty, ...config },
    layers: [{ mediaType: artifact.layerMediaType, ...layer }],
    subject: { mediaType: image.mediaType, digest: imageDigest, size: image.bytes.length },
    annotations,
  };
  const { digest, size } = await putManifest(repo, undefined, MEDIA.ociManifest, manifest);

  const api = await fetch(`http://${repo.host}/v2/${repo.path}/referrers/${imageDigest}`);
  await api.body?.cancel();
  if (api.status !== 404) return digest;
  const tag = tagOf(imageDigest);
  const existing = await getManifest(repo, tag);
  const listed =
    existing === undefined
      ? []
      : (JSON.parse(existing.bytes.toString()).manifests as { digest: string }[]);
  const entry = {
    mediaType: MEDIA.ociManifest,
    digest,
    size,
    artifactType: artifact.artifactType,
    annotations,
  };
  await putManifest(repo, tag, MEDIA.ociIndex, {
    schemaVersion: 2,
    mediaType: MEDIA.ociIndex,
    manifests: [...listed.filter((m) => m.digest !== digest), entry],
  });
  return digest;
}

/** Pushes an OCI index over manifests already in the repository; returns its digest. */
export async function pushIndex(
  repo: Repo,
  tag: string,
  entries: readonly { digest: string; os: string; architecture: string }[],
): Promise<string> {
  const manifests = [];
  for (const { digest, os, architecture } of entries) {
    const manifest = await getManifest(repo, digest);
    if (manifest === undefined) throw new Error(`${repo.path}@${digest} is not in the registry`);
    manifests.push({
      mediaType: manifest.mediaType,
      digest,
      size: manifest.bytes.length,
      platform: { os, architecture },
    });
  }
  const pushed = await putManifest(repo, tag, MEDIA.ociIndex, {
    schemaVersion: 2,
    mediaType: MEDIA.ociIndex,
    manifests,
  });
  return pushed.digest;
}

/** A manifest's bytes and media type, or undefined if the registry has none by that name. */
export async function getManifest(
  repo: Repo,
  reference: string,
): Promise<{ bytes: Buffer; mediaType: string } | undefined> {
  const res = await fetch(`http://${repo.host}/v2/${repo.path}/manifests/${reference}`, {
    headers: { accept: Object.values(MEDIA).join(', ') },
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`GET manifest ${reference}: HTTP ${res.status} ${bytes.toString()}`);
  return { bytes, mediaType: res.headers.get('content-type') ?? '' };
}

/** The two-step upload (POST, then PUT with the digest); returns the blob's descriptor fields. */
export async function uploadBlob(
  repo: Repo,
  content: Uint8Array | string,
): Promise<{ digest: string; size: number }> {
  const bytes = Buffer.from(content);
  const digest = `sha256:${sha256Hex(bytes)}`;
  const started = await fetch(`http://${repo.host}/v2/${repo.path}/blobs/uploads/`, {
    method: 'POST',
  });
  await started.body?.cancel();
  const location = started.headers.get('location');
  if (started.status !== 202 || location === null)
    throw new Error(`blob upload to ${repo.path}: HTTP ${started.status}`);
  const url = new URL(location, `http://${repo.host}`);
  url.searchParams.set('digest', digest);
  const put = await fetch(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  if (put.status !== 201)
    throw new Error(`blob upload to ${repo.path}: HTTP ${put.status} ${await put.text()}`);
  await put.body?.cancel();
  return { digest, size: bytes.length };
}

/** PUTs a manifest by tag, or by its digest when no tag is given. */
export async function putManifest(
  repo: Repo,
  tag: string | undefined,
  mediaType: string,
  manifest: object,
): Promise<{ digest: string; size: number }> {
  const bytes = Buffer.from(JSON.stringify(manifest));
  const digest = `sha256:${sha256Hex(bytes)}`;
  const res = await fetch(`http://${repo.host}/v2/${repo.path}/manifests/${tag ?? digest}`, {
    method: 'PUT',
    headers: { 'content-type': mediaType },
    body: bytes,
  });
  if (res.status !== 201)
    throw new Error(`PUT manifest ${tag ?? digest}: HTTP ${res.status} ${await res.text()}`);
  await res.body?.cancel();
  return { digest, size: bytes.length };
}

/** The referrers-tag (and cosign) form of a digest: `sha256-<hex>`. */
export function tagOf(digest: string): string {
  return digest.replace(':', '-');
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
