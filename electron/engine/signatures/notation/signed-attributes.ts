import type { X509Certificate } from 'node:crypto';
import { Rejection } from './rejection.js';
import type { SignatureAlgorithm } from './signature-algorithm.js';

export const PAYLOAD_CONTENT_TYPE = 'application/vnd.cncf.notary.payload.v1+json';

/** Protected header names shared by the JWS and COSE envelopes. */
export const HEADER = {
  signingScheme: 'io.cncf.notary.signingScheme',
  signingTime: 'io.cncf.notary.signingTime',
  authenticSigningTime: 'io.cncf.notary.authenticSigningTime',
  expiry: 'io.cncf.notary.expiry',
  verificationPlugin: 'io.cncf.notary.verificationPlugin',
  verificationPluginMinVersion: 'io.cncf.notary.verificationPluginMinVersion',
} as const;

/** Unprotected header names. */
export const UNPROTECTED = {
  timestampSignature: 'io.cncf.notary.timestampSignature',
} as const;

export type SigningScheme = 'notary.x509' | 'notary.x509.signingAuthority';

export interface SignedAttributes {
  signingScheme: SigningScheme;
  /** Asserted by the signer itself under notary.x509; vouched for by the authority otherwise. */
  signingTime: Date;
  expiry: Date | undefined;
}

/** What a JWS or COSE envelope says, read but not yet trusted. */
export interface EnvelopeContent {
  algorithm: SignatureAlgorithm;
  /** The bytes the signature is over (JWS signing input, COSE Sig_structure). */
  signed: Uint8Array;
  signature: Uint8Array;
  payload: Uint8Array;
  payloadContentType: string;
  attributes: SignedAttributes;
  /** Signing certificate first. */
  certificateChain: X509Certificate[];
  /** Whether an RFC 3161 timestamp countersignature is attached (it is not verified). */
  hasTimestamp: boolean;
}

/** The protected header's notary fields, as either envelope format decodes them. */
export interface ProtectedHeader {
  /** Every label of the protected header. */
  labels: readonly unknown[];
  critical: readonly unknown[] | undefined;
  signingScheme: string;
  signingTime: Date | undefined;
  authenticSigningTime: Date | undefined;
  expiry: Date | undefined;
}

const UNDERSTOOD: ReadonlySet<unknown> = new Set([
  HEADER.signingScheme,
  HEADER.signingTime,
  HEADER.authenticSigningTime,
  HEADER.expiry,
]);

/**
 * Applies the signature specification's rules on signed attributes: the signing scheme decides
 * which signing time header must (and must not) be there, the scheme, expiry and authentic
 * signing time must be marked critical, and every critical header must be one this verifier
 * processes, as a verifier has to reject what it does not understand.
 */
export function signedAttributes(header: ProtectedHeader): SignedAttributes {
  const signingScheme = schemeOf(header.signingScheme);
  const authority = signingScheme === 'notary.x509.signingAuthority';
  const [timeHeader, forbidden] = authority
    ? [HEADER.authenticSigningTime, HEADER.signingTime]
    : [HEADER.signingTime, HEADER.authenticSigningTime];
  const signingTime = authority ? header.authenticSigningTime : header.signingTime;
  if (signingTime === undefined) {
    throw new Rejection(`the signature has no ${timeHeader} header, required by ${signingScheme}`);
  }
  if ((authority ? header.signingTime : header.authenticSigningTime) !== undefined) {
    throw new Rejection(
      `the ${forbidden} header is not allowed with signing scheme ${signingScheme}`,
    );
  }
  if (header.expiry !== undefined && header.expiry <= signingTime) {
    throw new Rejection('the signature expires before it was signed');
  }

  checkCritical(header, [
    HEADER.signingScheme,
    ...(header.expiry === undefined ? [] : [HEADER.expiry]),
    ...(authority ? [HEADER.authenticSigningTime] : []),
  ]);
  return { signingScheme, signingTime, expiry: header.expiry };
}

function schemeOf(value: string): SigningScheme {
  if (value === 'notary.x509' || value === 'notary.x509.signingAuthority') return value;
  throw new Rejection(
    `signing scheme "${value}" is not supported (expected notary.x509 or notary.x509.signingAuthority)`,
  );
}

function checkCritical(header: ProtectedHeader, required: readonly string[]): void {
  const critical = header.critical ?? [];
  if (critical.length === 0) throw new Rejection('the signature has no "crit" header');
  const missing = required.filter((name) => !critical.includes(name));
  if (missing.length > 0) {
    throw new Rejection(`the signature does not mark ${missing.join(', ')} as critical`);
  }
  for (const label of critical) {
    if (!header.labels.includes(label)) {
      throw new Rejection(`critical header ${describe(label)} is not in the protected header`);
    }
    if (label === HEADER.verificationPlugin || label === HEADER.verificationPluginMinVersion) {
      throw new Rejection(
        'the signature requires a notation verification plugin, which Gatehouse does not run',
      );
    }
    if (!UNDERSTOOD.has(label)) {
      throw new Rejection(
        `the signature has critical header ${describe(label)}, which Gatehouse does not ` +
          'understand, so it cannot trust the signature',
      );
    }
  }
}

function describe(label: unknown): string {
  return typeof label === 'string' ? `"${label}"` : String(label);
}
