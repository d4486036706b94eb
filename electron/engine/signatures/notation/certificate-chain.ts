import { X509Certificate } from 'node:crypto';
import { X509Certificate as Asn1Certificate } from '@sigstore/core';
import { formatDistinguishedName, subjectOf } from './distinguished-name.js';
import { Rejection, messageOf } from './rejection.js';

/** A trusted certificate, or PEM text holding one or more (a notation trust store file). */
export type TrustStoreEntry = X509Certificate | string;

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function trustStoreCertificates(entries: readonly TrustStoreEntry[]): X509Certificate[] {
  return entries.flatMap((entry, i) => {
    if (typeof entry !== 'string') return [entry];
    const blocks = entry.match(PEM_CERTIFICATE) ?? [];
    if (blocks.length === 0)
      throw new Rejection(`trust store entry ${i + 1} holds no PEM certificate`);
    return blocks.map((block, j) =>
      parseCertificate(block, `trust store entry ${i + 1}, certificate ${j + 1}`),
    );
  });
}

export function parseCertificate(encoded: string | Uint8Array, where: string): X509Certificate {
  try {
    return new X509Certificate(encoded);
  } catch (error) {
    throw new Rejection(`${where} is not a valid X.509 certificate: ${messageOf(error)}`);
  }
}

/** `certificate "C=US, O=Example, CN=signer"`, for messages. */
export function describeCertificate(certificate: X509Certificate): string {
  let subject: string;
  try {
    subject = formatDistinguishedName(subjectOf(certificate));
  } catch {
    subject = certificate.subject.split('\n').join(', ');
  }
  return `certificate "${subject}"`;
}

// RFC 5280 key usage bits.
const DIGITAL_SIGNATURE = 0;
const NON_REPUDIATION = 1;
const KEY_CERT_SIGN = 5;

const EXCLUDED_EKUS: Readonly<Record<string, string>> = {
  '1.3.6.1.5.5.7.3.1': 'server authentication',
  '1.3.6.1.5.5.7.3.2': 'client authentication',
  '1.3.6.1.5.5.7.3.4': 'email protection',
  '1.3.6.1.5.5.7.3.8': 'time stamping',
  '1.3.6.1.5.5.7.3.9': 'OCSP signing',
};

/**
 * Checks the signature specification's certificate requirements, as notation-core-go does:
 * the envelope carries the whole chain, signing certificate first, each certificate issued by
 * the next and the last a self-signed root (a lone certificate must be self-signed); the
 * signing certificate may only sign, the others must be CAs allowed to issue that deep.
 */
export function checkCodeSigningChain(chain: readonly X509Certificate[]): void {
  const parsed = chain.map(asn1Of);
  const last = chain.length - 1;
  chain.forEach((certificate, i) => {
    const asn1 = parsed[i] as Asn1Certificate;
    const selfSigned = issuedBy(certificate, asn1, certificate, asn1);
    if (i === last && !selfSigned) {
      throw new Rejection(
        last === 0
          ? `the signing ${describeCertificate(certificate)} is not self-signed and the signature carries no chain to its root`
          : `the signature's certificate chain ends with ${describeCertificate(certificate)}, which is not a self-signed root`,
      );
    }
    if (i < last) {
      const issuer = chain[i + 1] as X509Certificate;
      if (selfSigned) {
        throw new Rejection(
          `the self-signed ${describeCertificate(certificate)} is not at the end of the chain`,
        );
      }
      if (!issuedBy(certificate, asn1, issuer, parsed[i + 1] as Asn1Certificate)) {
        throw new Rejection(
          `${describeCertificate(certificate)} in the signature's chain was not issued by the next, ${describeCertificate(issuer)}`,
        );
      }
    }
    if (i === 0) checkSigningCertificate(certificate, asn1);
    else checkCaCertificate(certificate, asn1, i - 1);
  });
}

function asn1Of(certificate: X509Certificate): Asn1Certificate {
  let parsed: Asn1Certificate;
  let version: string;
  try {
    parsed = Asn1Certificate.parse(Buffer.from(certificate.raw));
    version = parsed.version;
  } catch (error) {
    throw new Rejection(`${describeCertificate(certificate)} cannot be read: ${messageOf(error)}`);
  }
  if (version !== 'v3') {
    throw new Rejection(`${describeCertificate(certificate)} is not an X.509 v3 certificate`);
  }
  return parsed;
}

function issuedBy(
  certificate: X509Certificate,
  asn1: Asn1Certificate,
  issuer: X509Certificate,
  issuerAsn1: Asn1Certificate,
): boolean {
  // Not checkIssued(): OpenSSL refuses an issuer without keyCertSign, which a self-signed
  // signing certificate rightly lacks; CA key usage is checked separately below.
  return asn1.issuer.equals(issuerAsn1.subject) && certificate.verify(issuer.publicKey);
}

function checkSigningCertificate(certificate: X509Certificate, asn1: Asn1Certificate): void {
  const name = describeCertificate(certificate);
  if (asn1.extBasicConstraints?.isCA === true) {
    throw new Rejection(
      `the signing ${name} is a CA certificate; signatures must come from a leaf`,
    );
  }
  const usage = keyUsageBits(asn1, name);
  if (usage[DIGITAL_SIGNATURE] !== 1) {
    throw new Rejection(`the signing ${name} is not allowed digital signatures (key usage)`);
  }
  if (usage.some((bit, i) => bit === 1 && i !== DIGITAL_SIGNATURE && i !== NON_REPUDIATION)) {
    throw new Rejection(`the signing ${name} has key usages other than digital signature`);
  }
  const excluded = (certificate.keyUsage ?? []).flatMap((oid) => EXCLUDED_EKUS[oid] ?? []);
  if (excluded.length > 0) {
    throw new Rejection(
      `the signing ${name} is for ${excluded.join(', ')} (extended key usage), not code signing`,
    );
  }
}

function checkCaCertificate(
  certificate: X509Certificate,
  asn1: Asn1Certificate,
  certificatesBelow: number,
): void {
  const name = describeCertificate(certificate);
  const constraints = asn1.extBasicConstraints;
  if (constraints?.isCA !== true) {
    throw new Rejection(`${name} issues certificates in the signature's chain but is not a CA`);
  }
  const pathLength = constraints.pathLenConstraint;
  if (pathLength !== undefined && pathLength < BigInt(certificatesBelow)) {
    throw new Rejection(`${name} may not issue a chain this long (path length ${pathLength})`);
  }
  if (keyUsageBits(asn1, name)[KEY_CERT_SIGN] !== 1) {
    throw new Rejection(`${name} is not allowed to sign certificates (key usage)`);
  }
}

function keyUsageBits(asn1: Asn1Certificate, name: string): number[] {
  const extension = asn1.extKeyUsage;
  if (extension === undefined || !extension.critical) {
    throw new Rejection(`${name} has no critical key usage extension`);
  }
  return extension.valueObj.subs[0]?.toBitString() ?? [];
}

/** A certificate in the signature's chain that is also in the trust store. */
export function trustedCertificateIn(
  chain: readonly X509Certificate[],
  trustStore: readonly X509Certificate[],
): X509Certificate | undefined {
  return chain.find((certificate) =>
    trustStore.some((trusted) => trusted.raw.equals(certificate.raw)),
  );
}
