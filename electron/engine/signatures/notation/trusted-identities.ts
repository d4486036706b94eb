import {
  formatDistinguishedName,
  parseDistinguishedName,
  type DistinguishedName,
} from './distinguished-name.js';
import { Rejection, messageOf } from './rejection.js';

const WILDCARD = '*';
const X509_SUBJECT = 'x509.subject';

/**
 * Checks the signing certificate's subject against a trust policy's `trustedIdentities` the
 * way notation does: `*` trusts any signer the trust store vouches for; `x509.subject: DN`
 * matches when every attribute of DN (which must name C, ST and O) has the same value in the
 * subject, so `C=US, ST=WA, O=Notary` trusts every certificate of that organisation.
 * Throws a rejection naming the signer when none matches.
 */
export function checkTrustedIdentity(
  subject: DistinguishedName,
  identities: readonly string[],
): void {
  if (identities.length === 0) {
    throw new Rejection(
      `no trusted identities are configured; add "${WILDCARD}" or "${X509_SUBJECT}: <DN>"`,
    );
  }
  if (identities.includes(WILDCARD)) return;

  const trusted = identities.map(parseIdentity);
  const attributes = new Map<string, string>();
  for (const [type, value] of subject) {
    // Go prints a repeated type as a multi-valued RDN, which notation refuses to match.
    if (attributes.has(type)) {
      throw new Rejection(
        `the signing certificate's subject repeats ${type}, so no x509.subject identity can match it`,
      );
    }
    attributes.set(type, value);
  }
  if (
    trusted.some((identity) =>
      [...identity].every(([type, value]) => attributes.get(type) === value),
    )
  ) {
    return;
  }
  throw new Rejection(
    `the signer "${formatDistinguishedName(subject)}" is not a trusted identity ` +
      `(trusted: ${identities.map((identity) => `"${identity}"`).join(', ')})`,
  );
}

function parseIdentity(identity: string): Map<string, string> {
  const separator = identity.indexOf(':');
  if (separator < 0 || identity.slice(0, separator) !== X509_SUBJECT) {
    throw new Rejection(
      `trusted identity "${identity}" is not "${WILDCARD}" or "${X509_SUBJECT}: <DN>"`,
    );
  }
  let name: DistinguishedName;
  try {
    name = parseDistinguishedName(identity.slice(separator + 1));
  } catch (error) {
    throw new Rejection(`trusted identity "${identity}" is not a valid DN: ${messageOf(error)}`);
  }
  const attributes = new Map<string, string>();
  for (const [rawType, value] of name) {
    // RFC 4512 types are case-insensitive; S is the usual alias for ST.
    const upper = rawType.toUpperCase();
    const type = upper === 'S' ? 'ST' : upper;
    if (attributes.has(type)) {
      throw new Rejection(`trusted identity "${identity}" names ${type} twice`);
    }
    attributes.set(type, value);
  }
  const missing = ['C', 'ST', 'O'].filter((type) => !attributes.get(type));
  if (missing.length > 0) {
    throw new Rejection(
      `trusted identity "${identity}" must name C, ST and O (missing ${missing.join(', ')})`,
    );
  }
  return attributes;
}
