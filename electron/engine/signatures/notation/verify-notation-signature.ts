import type { X509Certificate } from 'node:crypto';
import {
  checkCodeSigningChain,
  describeCertificate,
  trustStoreCertificates,
  trustedCertificateIn,
  type TrustStoreEntry,
} from './certificate-chain.js';
import { COSE_MEDIA_TYPE, parseCoseEnvelope } from './cose-envelope.js';
import { formatDistinguishedName, subjectOf } from './distinguished-name.js';
import { JWS_MEDIA_TYPE, parseJwsEnvelope } from './jws-envelope.js';
import { Rejection, messageOf } from './rejection.js';
import { algorithmForKey, verifySignature } from './signature-algorithm.js';
import { checkTarget, signedTarget, type TargetDescriptor } from './signature-payload.js';
import type { EnvelopeContent, SigningScheme } from './signed-attributes.js';
import { checkTrustedIdentity } from './trusted-identities.js';

/** Which notation trust store type the certificates come from: x509/ca or x509/signingAuthority. */
export type TrustStoreType = 'ca' | 'signingAuthority';

export interface NotationVerificationOptions {
  /** The envelope blob: the signature manifest's one layer. */
  envelope: Uint8Array;
  /** That layer's media type: application/jose+json or application/cose. */
  envelopeMediaType: string;
  /** The descriptor of the image manifest being admitted. */
  target: TargetDescriptor;
  trustStore: readonly TrustStoreEntry[];
  /** Defaults to `ca`, which verifies notary.x509 signatures (what `notation sign` makes). */
  trustStoreType?: TrustStoreType;
  /** A trust policy's trustedIdentities: `*` or `x509.subject: <DN>` entries. */
  trustedIdentities: readonly string[];
  now?: Date;
}

export type NotationVerificationResult =
  | {
      ok: true;
      /** The signing certificate's subject, in the form `x509.subject:` identities take. */
      signer: string;
      /** Under notary.x509 this is the signer's own claim, not a proven time. */
      signingTime: Date;
      signingScheme: SigningScheme;
    }
  | { ok: false; reason: string };

const ENVELOPE_PARSERS: Readonly<Record<string, (bytes: Uint8Array) => EnvelopeContent>> = {
  [JWS_MEDIA_TYPE]: parseJwsEnvelope,
  [COSE_MEDIA_TYPE]: parseCoseEnvelope,
};

/**
 * Verifies one Notary Project signature for an image at the trust policy level "strict":
 * integrity, authenticity (trust store and trusted identities), expiry and authentic timestamp
 * are all enforced, then the signed descriptor must be the image's.
 */
export function verifyNotationSignature(
  options: NotationVerificationOptions,
): NotationVerificationResult {
  try {
    return verifyOrThrow(options);
  } catch (error) {
    // Envelopes are attacker-controlled: any failure on them must deny, never crash the caller.
    if (error instanceof Rejection) return { ok: false, reason: error.message };
    return {
      ok: false,
      reason: `the Notary Project signature could not be verified: ${messageOf(error)}`,
    };
  }
}

function verifyOrThrow(options: NotationVerificationOptions): NotationVerificationResult {
  const now = options.now ?? new Date();
  const content = checkIntegrity(options.envelope, options.envelopeMediaType);
  const target = signedTarget(content.payloadContentType, content.payload);
  const [signing] = content.certificateChain as [X509Certificate, ...X509Certificate[]];

  checkAuthenticity(content, options.trustStore, options.trustStoreType ?? 'ca');
  const subject = subjectOf(signing);
  checkTrustedIdentity(subject, options.trustedIdentities);

  const { expiry, signingScheme, signingTime } = content.attributes;
  if (expiry !== undefined && now >= expiry) {
    throw new Rejection(`the signature expired on ${expiry.toISOString()}`);
  }
  checkAuthenticTimestamp(content, now);
  // Revocation (OCSP/CRL) is not checked: it needs network access, which this module has not.
  // The strict level would enforce it; a revoked but unexpired certificate is still accepted.

  checkTarget(target, options.target);
  return { ok: true, signer: formatDistinguishedName(subject), signingTime, signingScheme };
}

function checkIntegrity(envelope: Uint8Array, mediaType: string): EnvelopeContent {
  const parse = ENVELOPE_PARSERS[mediaType];
  if (parse === undefined) {
    throw new Rejection(
      `signature envelope type "${mediaType}" is not supported (expected ${JWS_MEDIA_TYPE} or ${COSE_MEDIA_TYPE})`,
    );
  }
  const content = parse(envelope);
  const [signing] = content.certificateChain as [X509Certificate, ...X509Certificate[]];
  const keyAlgorithm = algorithmForKey(signing.publicKey);
  if (keyAlgorithm !== content.algorithm) {
    throw new Rejection(
      `the signature says it uses ${content.algorithm}, but the signing certificate's key signs with ${keyAlgorithm}`,
    );
  }
  if (!verifies(content, signing)) {
    throw new Rejection(
      'the signature does not match the signed content (integrity): the envelope was altered ' +
        'or not made with the signing certificate it carries',
    );
  }
  checkCodeSigningChain(content.certificateChain);
  return content;
}

function verifies(content: EnvelopeContent, signing: X509Certificate): boolean {
  try {
    return verifySignature(content.algorithm, signing.publicKey, content.signed, content.signature);
  } catch {
    return false; // e.g. a signature of the wrong length for the key
  }
}

/**
 * notation's authenticity check: some certificate of the (already validated) chain is in the
 * trust store, whose type must match the signing scheme.
 */
function checkAuthenticity(
  content: EnvelopeContent,
  trustStore: readonly TrustStoreEntry[],
  trustStoreType: TrustStoreType,
): void {
  const scheme = content.attributes.signingScheme;
  const needed: TrustStoreType = scheme === 'notary.x509' ? 'ca' : 'signingAuthority';
  if (needed !== trustStoreType) {
    throw new Rejection(
      `the signature uses signing scheme ${scheme}, verified against an x509/${needed} trust store, ` +
        `but the trust store is x509/${trustStoreType}`,
    );
  }
  const trusted = trustStoreCertificates(trustStore);
  if (trusted.length === 0) throw new Rejection('the trust store holds no certificate');
  if (trustedCertificateIn(content.certificateChain, trusted) === undefined) {
    const signing = content.certificateChain[0] as X509Certificate;
    throw new Rejection(
      `the certificate chain does not lead to a trusted root: neither the signing ` +
        `${describeCertificate(signing)} nor its issuers are in the trust store`,
    );
  }
}

/**
 * Which time the certificates must be valid at. Under notary.x509 the signing time is only
 * the signer's claim (anyone holding an expired certificate's key could backdate it), so,
 * as in notation, every certificate must be valid now unless an RFC 3161 timestamp from a
 * trusted TSA proves the signing time; timestamps are not verified here (no TSA trust store),
 * so an expired certificate rejects. Under notary.x509.signingAuthority the signing authority
 * vouches for the signing time, and the certificates must be valid then.
 */
function checkAuthenticTimestamp(content: EnvelopeContent, now: Date): void {
  const { signingScheme, signingTime } = content.attributes;
  const authority = signingScheme === 'notary.x509.signingAuthority';
  const at = authority ? signingTime : now;
  for (const certificate of content.certificateChain) {
    if (at >= certificate.validFromDate && at <= certificate.validToDate) continue;
    const name = describeCertificate(certificate);
    const validity = `valid from ${certificate.validFromDate.toISOString()} to ${certificate.validToDate.toISOString()}`;
    if (authority) {
      throw new Rejection(
        `${name} was not valid when the image was signed at ${at.toISOString()} (${validity})`,
      );
    }
    if (at < certificate.validFromDate) {
      throw new Rejection(`${name} is not valid until ${certificate.validFromDate.toISOString()}`);
    }
    throw new Rejection(
      `${name} expired on ${certificate.validToDate.toISOString()}, and ` +
        (content.hasTimestamp
          ? 'the signature has an RFC 3161 timestamp, which Gatehouse does not verify,'
          : 'the signature has no trusted timestamp') +
        ' to prove it was made before then; sign the image again with a valid certificate',
    );
  }
}
