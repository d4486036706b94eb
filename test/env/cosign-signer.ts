import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { json } from '@sigstore/core';
import {
  MEDIA,
  pushReferrer,
  putManifest,
  sha256Hex,
  tagOf,
  uploadBlob,
  type Repo,
} from './oci-push.js';

/**
 * Makes real cosign-format signatures with node:crypto and pushes them to a registry over plain
 * HTTP, laid out as cosign lays them out (no cosign binary on these machines):
 * - legacy: an OCI manifest tagged `sha256-<hex>.sig` whose layers are simple-signing payloads,
 *   each with its ECDSA signature in the `dev.cosignproject.cosign/signature` annotation;
 * - bundles: a Sigstore bundle v0.3 (a DSSE in-toto statement signed with a key) attached as
 *   an OCI 1.1 referrer, plus the `sha256-<hex>` referrers tag when the registry has no
 *   referrers API. @sigstore/verify requires a transparency log entry in every bundle, so
 *   bundles are logged in a test Rekor: a key that signs the entry and a one-entry checkpoint.
 */

const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
const SIGSTORE_BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';

const IN_TOTO = 'application/vnd.in-toto+json';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** `-----BEGIN PUBLIC KEY-----`, as `cosign.pub`. */
  publicKeyPem: string;
}

/** An ECDSA P-256 key pair, as `cosign generate-key-pair` makes. */
export function generateSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKey,
    publicKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** cosign's simple-signing payload for an image, byte for byte as cosign writes it. */
export function simpleSigningPayload(repository: string, digest: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': repository },
        image: { 'docker-manifest-digest': digest },
        type: 'cosign container image signature',
      },
      optional: null,
    }),
  );
}

/** One layer of a `.sig` manifest. */
export interface SignatureLayer {
  payload: Uint8Array;
  /** base64 ECDSA-SHA256 (DER) signature over the payload. */
  signature: string;
}

export function signPayload(key: SigningKey, payload: Uint8Array): SignatureLayer {
  return { payload, signature: sign('sha256', payload, key.privateKey).toString('base64') };
}

/** Pushes the `sha256-<hex>.sig` tag for an image, replacing any earlier one. */
export async function pushCosignSignatures(
  repo: Repo,
  imageDigest: string,
  layers: readonly SignatureLayer[],
): Promise<string> {
  const descriptors = [];
  for (const layer of layers) {
    const blob = await uploadBlob(repo, layer.payload);
    descriptors.push({
      mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
      ...blob,
      annotations: { 'dev.cosignproject.cosign/signature': layer.signature },
    });
  }
  // The config cosign writes: an empty image whose layers are the payloads.
  const config = await uploadBlob(
    repo,
    JSON.stringify({
      architecture: '',
      created: '0001-01-01T00:00:00Z',
      history: [{ created: '0001-01-01T00:00:00Z' }],
      os: '',
      rootfs: { type: 'layers', diff_ids: descriptors.map((d) => d.digest) },
      config: {},
    }),
  );
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.ociConfig, ...config },
    layers: descriptors,
  };
  return (await putManifest(repo, `${tagOf(imageDigest)}.sig`, MEDIA.ociManifest, manifest)).digest;
}

/** A transparency log for tests: its key signs entries (SETs) and checkpoints. */
export interface TestRekor {
  key: SigningKey;
  /** The checkpoint signer name, as Rekor's host name. */
  name: string;
  /** The log ID: sha256 of the key's DER SubjectPublicKeyInfo. */
  logId: Buffer;
}

export function createTestRekor(name = 'rekor.gatehouse.test'): TestRekor {
  const key = generateSigningKey();
  const der = key.publicKey.export({ type: 'spki', format: 'der' });
  return { key, name, logId: createHash('sha256').update(der).digest() };
}

export interface BundleOptions {
  /** Who the statement names; the subject digest is what is verified. */
  repository: string;
  imageDigest: string;
  /** Default: cosign's signature predicate; anything else makes an attestation. */
  predicateType?: string;
  /** When Rekor logged it (seconds); default now. */
  integratedTime?: number;
}

/**
 * A Sigstore bundle v0.3 as `cosign sign --key` makes one: a DSSE envelope over an in-toto
 * statement about the image, the key named by hint only, logged in `rekor`.
 */
export function signBundle(key: SigningKey, rekor: TestRekor, options: BundleOptions): string {
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [
      {
        name: options.repository,
        digest: { sha256: options.imageDigest.slice('sha256:'.length) },
      },
    ],
    predicateType: options.predicateType ?? COSIGN_SIGN_PREDICATE,
    predicate: {},
  };
  const payload = Buffer.from(JSON.stringify(statement));
  const signature = sign('sha256', preAuthEncoding(IN_TOTO, payload), key.privateKey);
  const envelope = {
    payload: payload.toString('base64'),
    payloadType: IN_TOTO,
    signatures: [{ sig: signature.toString('base64'), keyid: '' }],
  };
  const body = json.canonicalize({
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: sha256Hex(JSON.stringify(envelope)) },
      payloadHash: { algorithm: 'sha256', value: sha256Hex(payload) },
      signatures: [
        {
          signature: signature.toString('base64'),
          verifier: Buffer.from(key.publicKeyPem).toString('base64'),
        },
      ],
    },
  });
  const hint = createHash('sha256')
    .update(key.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');
  return JSON.stringify({
    mediaType: SIGSTORE_BUNDLE_MEDIA_TYPE,
    verificationMaterial: {
      publicKey: { hint },
      tlogEntries: [logEntry(rekor, body, options.integratedTime ?? Math.floor(Date.now() / 1000))],
    },
    dsseEnvelope: envelope,
  });
}

/** The entry at index 0 of a one-entry log: its SET and its inclusion proof. */
function logEntry(rekor: TestRekor, body: string, integratedTime: number) {
  const canonicalizedBody = Buffer.from(body).toString('base64');
  const set = sign(
    'sha256',
    Buffer.from(
      json.canonicalize({
        body: canonicalizedBody,
        integratedTime,
        logID: rekor.logId.toString('hex'),
        logIndex: 0,
      }),
    ),
    rekor.key.privateKey,
  );
  // RFC 6962: a one-leaf tree's root is the leaf hash, and the proof has no hashes.
  const root = createHash('sha256')
    .update(Buffer.concat([Buffer.from([0]), Buffer.from(body)]))
    .digest('base64');
  const note = `${rekor.name} - 1\n1\n${root}\n`;
  const noteSignature = Buffer.concat([
    rekor.logId.subarray(0, 4),
    sign('sha256', Buffer.from(note), rekor.key.privateKey),
  ]);
  return {
    logIndex: '0',
    logId: { keyId: rekor.logId.toString('base64') },
    kindVersion: { kind: 'dsse', version: '0.0.1' },
    integratedTime: String(integratedTime),
    inclusionPromise: { signedEntryTimestamp: set.toString('base64') },
    inclusionProof: {
      logIndex: '0',
      rootHash: root,
      treeSize: '1',
      hashes: [],
      checkpoint: {
        envelope: `${note}\n\u2014 ${rekor.name} ${noteSignature.toString('base64')}\n`,
      },
    },
    canonicalizedBody,
  };
}

/**
 * Attaches a bundle to an image as cosign does (specs/BUNDLE_SPEC.md): an OCI 1.1 artifact
 * manifest whose `subject` is the image; on a registry without the referrers API, also the
 * image's `sha256-<hex>` referrers tag, as the OCI distribution spec tells clients to.
 */
export function pushBundleReferrer(
  repo: Repo,
  imageDigest: string,
  bundle: string,
  /** What the referrer says the statement is; by default what it is. */
  predicateType = predicateOf(bundle),
): Promise<string> {
  return pushReferrer(repo, imageDigest, {
    artifactType: SIGSTORE_BUNDLE_MEDIA_TYPE,
    layerMediaType: SIGSTORE_BUNDLE_MEDIA_TYPE,
    content: bundle,
    annotations: {
      'dev.sigstore.bundle.content': 'dsse-envelope',
      'dev.sigstore.bundle.predicateType': predicateType,
    },
  });
}

/** DSSE's pre-authentication encoding: what the envelope's signature covers. */
function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  const prefix = `DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} `;
  return Buffer.concat([Buffer.from(prefix), payload]);
}

function predicateOf(bundle: string): string {
  const { dsseEnvelope } = JSON.parse(bundle) as { dsseEnvelope: { payload: string } };
  return (
    JSON.parse(Buffer.from(dsseEnvelope.payload, 'base64').toString()) as { predicateType: string }
  ).predicateType;
}
