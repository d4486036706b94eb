import { createHash, type KeyObject } from 'node:crypto';
import { bundleFromJSON, type Bundle, type Envelope } from '@sigstore/bundle';
import { X509Certificate as SigstoreCertificate } from '@sigstore/core';
import { Verifier, toSignedEntity, type Signer, type TrustMaterial } from '@sigstore/verify';
import { z } from 'zod';
import { keyFingerprint } from './public-key.js';
import {
  describeIdentityPattern,
  identityMatches,
  type IdentityPattern,
} from './signer-identity.js';
import type { TrustedRoot } from './trusted-root.js';
import {
  messageOf,
  Rejection,
  rejectionFrom,
  type VerificationResult,
} from './verification-result.js';

/** Who may sign, for Sigstore bundles. The trusted root supplies the logs and timestamps. */
export type SigstoreBundlePolicy =
  | { kind: 'key'; publicKey: KeyObject; trustedRoot: TrustedRoot }
  | { kind: 'keyless'; trustedRoot: TrustedRoot; identity: IdentityPattern; issuer: string };

/** What the bundle must be about. */
export interface SignedSubject {
  /** The image manifest digest, `sha256:<hex>` (`sha384:`, `sha512:` also accepted). */
  digest: string;
  /**
   * The manifest bytes. Needed only for a bundle that signs them directly (a message
   * signature): such a signature cannot be checked from a digest alone.
   */
  bytes?: Uint8Array;
}

const SUBJECT_DIGEST = /^(sha256|sha384|sha512):([0-9a-f]+)$/;
const HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

const statementSchema = z.object({
  _type: z.string().startsWith('https://in-toto.io/Statement/'),
  subject: z.array(z.object({ digest: z.record(z.string(), z.string()) })).min(1),
});

/**
 * Verifies a Sigstore bundle (v0.1 to v0.3) for an image: the signature, its transparency
 * log entries and timestamps against the trusted root, the signer against the policy, and
 * that what was signed is this image.
 */
export function verifySigstoreBundle(
  bundleJson: string | Uint8Array,
  subject: SignedSubject,
  policy: SigstoreBundlePolicy,
): VerificationResult {
  try {
    return verifyOrThrow(bundleJson, subject, policy);
  } catch (error) {
    return rejectionFrom(error, 'the Sigstore bundle could not be verified');
  }
}

function verifyOrThrow(
  bundleJson: string | Uint8Array,
  subject: SignedSubject,
  policy: SigstoreBundlePolicy,
): VerificationResult {
  const wanted = parseSubjectDigest(subject);
  const bundle = parseBundle(bundleJson);
  checkSigningMaterial(bundle, policy);
  if (bundle.content.$case === 'messageSignature' && subject.bytes === undefined) {
    throw new Rejection('the bundle signs the manifest bytes directly, and they were not supplied');
  }

  const signer = verifyCryptography(bundle, subject, policy);
  // A message signature was verified over `subject.bytes`, which hash to the digest. The
  // subject first: a bundle for another image is refused before the identity expression runs.
  if (bundle.content.$case === 'dsseEnvelope') {
    checkStatementSubject(bundle.content.dsseEnvelope, wanted, subject.digest);
  }
  return { ok: true, digest: subject.digest, ...checkSigner(signer, policy) };
}

function parseSubjectDigest({ digest, bytes }: SignedSubject): { algorithm: string; hex: string } {
  const match = SUBJECT_DIGEST.exec(digest);
  const [, algorithm = '', hex = ''] = match ?? [];
  if (match === null || hex.length !== HEX_LENGTH[algorithm]) {
    throw new Rejection(`"${digest}" is not a sha256, sha384 or sha512 digest`);
  }
  if (bytes !== undefined && createHash(algorithm).update(bytes).digest('hex') !== hex) {
    throw new Rejection(`the manifest supplied does not have digest ${digest}`);
  }
  return { algorithm, hex };
}

function parseBundle(bundleJson: string | Uint8Array): Bundle {
  let json: unknown;
  try {
    json = JSON.parse(
      typeof bundleJson === 'string' ? bundleJson : Buffer.from(bundleJson).toString('utf8'),
    );
  } catch (error) {
    throw new Rejection(`the Sigstore bundle is not JSON: ${messageOf(error)}`);
  }
  try {
    return bundleFromJSON(json);
  } catch (error) {
    throw new Rejection(`not a valid Sigstore bundle: ${messageOf(error)}`);
  }
}

/** The bundle is signed the way the policy expects, with no trust anchor of its own. */
function checkSigningMaterial(bundle: Bundle, policy: SigstoreBundlePolicy): void {
  const material = bundle.verificationMaterial.content;
  if (policy.kind === 'key' && material.$case !== 'publicKey') {
    throw new Rejection(
      `the bundle is signed with a certificate (keyless), not the trusted key ${keyFingerprint(policy.publicKey)}`,
    );
  }
  if (policy.kind === 'keyless' && material.$case === 'publicKey') {
    throw new Rejection(
      `the bundle is signed with a key, not a certificate for ${describeIdentityPattern(policy.identity)}`,
    );
  }
  if (material.$case === 'x509CertificateChain') {
    checkShippedRoots(material.x509CertificateChain.certificates, policy.trustedRoot);
  }
}

/**
 * Trust comes from the trusted root alone, so a bundle whose chain ends in a root the trusted
 * root does not hold claims a trust anchor this verifier does not share: it is malformed.
 * (sigstore-js' v0.1 bundles repeat the trusted Fulcio root, which is harmless.)
 */
function checkShippedRoots(certificates: { rawBytes: Buffer }[], trustedRoot: TrustedRoot): void {
  const trusted = trustedRoot.certificateAuthorities.flatMap((ca) => ca.certChain);
  for (const { rawBytes } of certificates) {
    const cert = SigstoreCertificate.parse(Buffer.from(rawBytes));
    const selfSigned = cert.subject.equals(cert.issuer) && cert.verify();
    if (selfSigned && !trusted.some((t) => t.equals(cert))) {
      throw new Rejection(
        'the bundle certificate chain includes a root certificate that is not trusted',
      );
    }
  }
}

function verifyCryptography(
  bundle: Bundle,
  subject: SignedSubject,
  policy: SigstoreBundlePolicy,
): Signer {
  const trust: TrustMaterial = {
    ...policy.trustedRoot,
    // The policy's key, whatever key hint the bundle carries (checkSigningMaterial has
    // already refused key-signed bundles under a keyless policy).
    publicKey: () => {
      if (policy.kind !== 'key') throw new Rejection('the policy names no key');
      return { publicKey: policy.publicKey, validFor: () => true };
    },
  };
  // Fulcio certificates must carry a CT log timestamp; keys have none.
  const verifier = new Verifier(trust, { ctlogThreshold: policy.kind === 'keyless' ? 1 : 0 });
  const artifact = subject.bytes === undefined ? undefined : Buffer.from(subject.bytes);
  try {
    return verifier.verify(toSignedEntity(bundle, artifact));
  } catch (error) {
    const cause =
      error instanceof Error && error.cause !== undefined ? `: ${messageOf(error.cause)}` : '';
    throw new Rejection(`the bundle does not verify: ${messageOf(error)}${cause}`);
  }
}

/**
 * Checks the signer ourselves rather than with a @sigstore/verify policy, which treats an
 * identity string as an unanchored regular expression.
 */
function checkSigner(
  signer: Signer,
  policy: SigstoreBundlePolicy,
): { signer: string; issuer?: string } {
  // The Verifier checked a key-signed bundle with the policy's key, and nothing else.
  if (policy.kind === 'key') return { signer: keyFingerprint(policy.publicKey) };
  const identity = signer.identity?.subjectAlternativeName;
  const issuer = signer.identity?.extensions?.issuer;
  // The issuer, a plain comparison, before the identity expression.
  if (issuer !== policy.issuer) {
    throw new Rejection(
      `the signer ${identity ?? 'with no identity'} was vouched for by ${issuer ?? 'no OIDC issuer'}, not ${policy.issuer}`,
    );
  }
  if (identity === undefined || !identityMatches(policy.identity, identity)) {
    throw new Rejection(
      `signed by ${identity ?? 'a certificate with no identity'}, not ${describeIdentityPattern(policy.identity)}`,
    );
  }
  return { signer: identity, issuer };
}

/** The in-toto statement lists the image among its subjects. */
function checkStatementSubject(
  { payloadType, payload }: Envelope,
  wanted: { algorithm: string; hex: string },
  digest: string,
): void {
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new Rejection(
      `the bundle signs a ${payloadType} document, not an in-toto statement about an image`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch (error) {
    throw new Rejection(`the signed in-toto statement is not JSON: ${messageOf(error)}`);
  }
  const statement = statementSchema.safeParse(json);
  if (!statement.success) {
    throw new Rejection(
      `the signed in-toto statement is malformed: ${z.prettifyError(statement.error)}`,
    );
  }
  const subjects = statement.data.subject.map((s) => s.digest[wanted.algorithm]?.toLowerCase());
  if (!subjects.includes(wanted.hex)) {
    const named = subjects.filter((s) => s !== undefined).map((s) => `${wanted.algorithm}:${s}`);
    throw new Rejection(
      `the signed statement is about ${named.length > 0 ? named.join(', ') : `no ${wanted.algorithm} digest`}, not ${digest}`,
    );
  }
}
