import { ASN1Obj, X509Certificate } from '@sigstore/core';
import { compileIdentityExpression, type IdentityExpression } from './identity-expression.js';
import { messageOf, Rejection } from './verification-result.js';

/**
 * The signer a keyless policy expects: an exact certificate identity (an email or URI SAN),
 * or a regular expression that must match the whole identity.
 */
export type IdentityPattern = { exact: string } | { regex: string };

// Fulcio's OIDC issuer extensions: v1 holds the raw string, v2 a DER UTF8String.
const OID_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
const OID_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';
const UTF8_STRING_TAG = 0x0c;

export function identityMatches(pattern: IdentityPattern, identity: string): boolean {
  if ('exact' in pattern) return identity === pattern.exact;
  let expression: IdentityExpression;
  try {
    // Matched whole, so that `.*@example\.com` cannot match `evil@example.com.attacker.net`.
    expression = compileIdentityExpression(pattern.regex);
  } catch (error) {
    throw new Rejection(messageOf(error));
  }
  return expression.matches(identity);
}

export function describeIdentityPattern(pattern: IdentityPattern): string {
  return 'exact' in pattern ? `"${pattern.exact}"` : `/^${pattern.regex}$/`;
}

/** Who a signing certificate names: its email or URI SAN, and Fulcio's OIDC issuer. */
export function certificateIdentity(der: Uint8Array): { identity?: string; issuer?: string } {
  const cert = X509Certificate.parse(Buffer.from(der));
  const san = cert.extSubjectAltName;
  const identity = san?.rfc822Name ?? san?.uri;
  const issuer = fulcioIssuer(cert);
  return { ...(identity !== undefined && { identity }), ...(issuer !== undefined && { issuer }) };
}

function fulcioIssuer(cert: X509Certificate): string | undefined {
  const v2 = cert.extension(OID_ISSUER_V2);
  if (v2) {
    const value = ASN1Obj.parseBuffer(Buffer.from(v2.value));
    if (value.tag.number !== UTF8_STRING_TAG) {
      throw new Rejection('the certificate OIDC issuer extension is not a UTF8String');
    }
    return value.value.toString('utf8');
  }
  return cert.extension(OID_ISSUER_V1)?.value.toString('utf8');
}
