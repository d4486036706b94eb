import { X509Certificate, type KeyObject } from 'node:crypto';
import { certificateChainProblem, parsePemCertificates } from './certificate-chain.js';
import { repositoryOf } from '../../../../shared/image-reference.js';
import { keyFingerprint, verifyWithKey } from './public-key.js';
import { verifyRekorSet } from './rekor-set.js';
import {
  certificateIdentity,
  describeIdentityPattern,
  identityMatches,
  type IdentityPattern,
} from './signer-identity.js';
import { parseSimpleSigningPayload } from './simple-signing-payload.js';
import {
  messageOf,
  Rejection,
  rejectionFrom,
  type VerificationResult,
} from './verification-result.js';

export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';

const ANNOTATION = {
  signature: 'dev.cosignproject.cosign/signature',
  certificate: 'dev.sigstore.cosign/certificate',
  chain: 'dev.sigstore.cosign/chain',
  bundle: 'dev.sigstore.cosign/bundle',
} as const;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** One layer of a cosign `.sig` image, as fetched: its media type, blob and annotations. */
export interface CosignSignatureLayer {
  mediaType: string;
  payload: Uint8Array;
  annotations: Readonly<Record<string, string>>;
}

/** Who may sign, for legacy cosign signatures. */
export type SimpleSigningTrustAnchor =
  | {
      kind: 'key';
      publicKey: KeyObject;
      /** When set, the signature must carry a Rekor bundle signed with this key. */
      rekorPublicKey?: KeyObject;
    }
  | {
      kind: 'certificate';
      /** Fulcio roots, or a private PKI's. */
      roots: readonly X509Certificate[];
      /** Trusted in addition to the intermediates the signature's chain annotation names. */
      intermediates?: readonly X509Certificate[];
      identity: IdentityPattern;
      /** The OIDC issuer; omit only for a private PKI, whose certificates name none. */
      issuer?: string;
      /** When set, the signature must carry a Rekor bundle signed with this key. */
      rekorPublicKey?: KeyObject;
    };

/** The image being admitted. */
export interface ExpectedImage {
  /** Its manifest digest, `sha256:...`. */
  digest: string;
  /** Its repository, e.g. `registry.example:5000/team/app` (a tag or digest is ignored). */
  repository: string;
}

export interface SimpleSigningOptions {
  /** When certificates must be valid if no Rekor time is available; defaults to now. */
  now?: Date;
}

/**
 * Verifies one legacy cosign signature (a layer of the `<digest>.sig` tag) for an image:
 * the signature over the payload, the signer against the trust anchor, and that the payload
 * names this image's digest and repository.
 */
export function verifySimpleSigning(
  layer: CosignSignatureLayer,
  expected: ExpectedImage,
  anchor: SimpleSigningTrustAnchor,
  options: SimpleSigningOptions = {},
): VerificationResult {
  try {
    return verifyOrThrow(layer, expected, anchor, options);
  } catch (error) {
    return rejectionFrom(error, 'the signature could not be verified');
  }
}

/** Accepts the image if any one of its signature layers verifies (cosign's rule). */
export function verifyAnySimpleSigning(
  layers: readonly CosignSignatureLayer[],
  expected: ExpectedImage,
  anchor: SimpleSigningTrustAnchor,
  options: SimpleSigningOptions = {},
): VerificationResult {
  if (layers.length === 0) return { ok: false, reason: 'the image has no cosign signature' };
  const reasons: string[] = [];
  for (const layer of layers) {
    const result = verifySimpleSigning(layer, expected, anchor, options);
    if (result.ok) return result;
    reasons.push(result.reason);
  }
  if (reasons.length === 1) return { ok: false, reason: reasons[0] ?? '' };
  const listed = reasons.map((reason, i) => `(${i + 1}) ${reason}`).join('; ');
  return { ok: false, reason: `none of its ${reasons.length} signatures is acceptable: ${listed}` };
}

/** The key that must have made the signature, and for a certificate, what to check of it. */
type ExpectedSigner =
  | { kind: 'key'; key: KeyObject }
  | {
      kind: 'certificate';
      anchor: Extract<SimpleSigningTrustAnchor, { kind: 'certificate' }>;
      key: KeyObject;
      certificate: X509Certificate;
    };

function verifyOrThrow(
  layer: CosignSignatureLayer,
  expected: ExpectedImage,
  anchor: SimpleSigningTrustAnchor,
  options: SimpleSigningOptions,
): VerificationResult {
  if (layer.mediaType !== SIMPLE_SIGNING_MEDIA_TYPE) {
    throw new Rejection(`the layer is a ${layer.mediaType} attachment, not a cosign signature`);
  }
  const signature = decodeSignature(layer.annotations[ANNOTATION.signature]);
  const signer = signerFor(layer, anchor);
  if (!verifyWithKey(signer.key, layer.payload, signature)) {
    throw new Rejection(
      signer.kind === 'key'
        ? `the signature does not verify with the trusted key ${keyFingerprint(signer.key)}: ` +
            'it was signed by a different key, or the payload was altered'
        : 'the signature does not verify with the key of its certificate',
    );
  }

  let signedAt: Date | undefined;
  if (anchor.rekorPublicKey !== undefined) {
    const bundle = layer.annotations[ANNOTATION.bundle];
    if (bundle === undefined) {
      throw new Rejection('the signature has no Rekor bundle, and the policy requires one');
    }
    signedAt = verifyRekorSet(bundle, anchor.rekorPublicKey, {
      payload: layer.payload,
      signature,
      signer: signer.kind === 'key' ? signer.key : signer.certificate,
    });
  }

  // The claims first: a signature for another image is refused before the signer's identity
  // expression runs, so any logged signature cannot make us run an expression on its identity.
  checkClaims(layer.payload, expected);
  const who =
    signer.kind === 'key'
      ? { signer: keyFingerprint(signer.key) }
      : checkCertificate(signer, layer, signedAt ?? options.now ?? new Date());
  return {
    ok: true,
    digest: expected.digest,
    ...who,
    ...(signedAt !== undefined && { signedAt }),
  };
}

function signerFor(layer: CosignSignatureLayer, anchor: SimpleSigningTrustAnchor): ExpectedSigner {
  if (anchor.kind === 'key') return { kind: 'key', key: anchor.publicKey };
  const certificate = signingCertificate(layer);
  return { kind: 'certificate', anchor, key: certificate.publicKey, certificate };
}

function decodeSignature(annotation: string | undefined): Buffer {
  if (annotation === undefined) {
    throw new Rejection(`the layer has no ${ANNOTATION.signature} annotation`);
  }
  // cosign's PKI signing wraps long base64 signatures across lines.
  const base64 = annotation.replace(/\s+/g, '');
  if (base64 === '' || !BASE64.test(base64)) {
    throw new Rejection(`the ${ANNOTATION.signature} annotation is not base64`);
  }
  return Buffer.from(base64, 'base64');
}

function signingCertificate(layer: CosignSignatureLayer): X509Certificate {
  const pem = layer.annotations[ANNOTATION.certificate];
  if (pem === undefined) {
    throw new Rejection(
      `the signature has no ${ANNOTATION.certificate} annotation: it was signed with a key, ` +
        'but the policy expects a certificate',
    );
  }
  const [leaf] = parseAnnotationCertificates(pem, 'the signing certificate');
  if (leaf === undefined) throw new Rejection('the signing certificate annotation is empty');
  return leaf;
}

/** The certificate chains to the anchor's roots and names the expected signer. */
function checkCertificate(
  { anchor, certificate }: Extract<ExpectedSigner, { kind: 'certificate' }>,
  layer: CosignSignatureLayer,
  at: Date,
): { signer: string; issuer?: string } {
  const chainPem = layer.annotations[ANNOTATION.chain];
  const chain =
    chainPem === undefined ? [] : parseAnnotationCertificates(chainPem, 'the certificate chain');
  const intermediates = [...chain, ...(anchor.intermediates ?? [])];
  const problem = certificateChainProblem(certificate, intermediates, anchor.roots, at);
  if (problem !== undefined) throw new Rejection(problem);

  const { identity, issuer } = certificateIdentity(certificate.raw);
  // The issuer, a plain comparison, before the identity expression.
  if (anchor.issuer !== undefined && issuer !== anchor.issuer) {
    throw new Rejection(
      `the signer ${identity ?? 'with no email or URI identity'} was vouched for by ${issuer ?? 'no OIDC issuer'}, not ${anchor.issuer}`,
    );
  }
  if (identity === undefined || !identityMatches(anchor.identity, identity)) {
    throw new Rejection(
      `signed by ${identity ?? 'a certificate with no email or URI identity'}, ` +
        `not ${describeIdentityPattern(anchor.identity)}`,
    );
  }
  return { signer: identity, ...(issuer !== undefined && { issuer }) };
}

function parseAnnotationCertificates(pem: string, what: string): X509Certificate[] {
  try {
    return parsePemCertificates(pem, what);
  } catch (error) {
    throw new Rejection(messageOf(error));
  }
}

function checkClaims(payload: Uint8Array, expected: ExpectedImage): void {
  const claims = parseSimpleSigningPayload(payload);
  if (claims.manifestDigest !== expected.digest) {
    throw new Rejection(
      `the signature was made for ${claims.manifestDigest}, not ${expected.digest}`,
    );
  }
  const signedRepository = repositoryOf(claims.dockerReference);
  if (signedRepository === undefined) {
    throw new Rejection(
      `the signed docker-reference "${claims.dockerReference}" is not an image reference`,
    );
  }
  const expectedRepository = repositoryOf(expected.repository);
  if (expectedRepository === undefined) {
    throw new Rejection(
      `the expected repository "${expected.repository}" is not an image reference`,
    );
  }
  if (signedRepository !== expectedRepository) {
    throw new Rejection(
      `the signature is for repository ${signedRepository}, not ${expectedRepository}`,
    );
  }
}
