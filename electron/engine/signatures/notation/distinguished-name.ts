import type { X509Certificate } from 'node:crypto';
import { X509Certificate as Asn1Certificate, type ASN1Obj } from '@sigstore/core';

/** Attribute type and value pairs in order, multi-valued RDNs flattened. */
export type DistinguishedName = ReadonlyArray<readonly [type: string, value: string]>;

/** The names Go's crypto/x509 prints for a subject, which notation matches identities against. */
const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'SERIALNUMBER',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.17': 'POSTALCODE',
};

// ASN.1 string types whose content is (a superset of) ASCII encoded as UTF-8.
const UTF8_STRINGS = new Set([12, 18, 19, 22, 26]);
const TELETEX_STRING = 20;
const BMP_STRING = 30;

/** The subject of a certificate; attributes Go has no name for are keyed by dotted OID. */
export function subjectOf(certificate: X509Certificate): DistinguishedName {
  const tbs = Asn1Certificate.parse(Buffer.from(certificate.raw)).tbsCertificate;
  // The subject is the sixth field, or the fifth in a v1 certificate, which has no version.
  const subject = tbs.subs[tbs.subs[0]?.tag.isContextSpecific(0) === true ? 5 : 4];
  if (subject === undefined) throw new Error('the certificate has no subject');
  return subject.subs.flatMap((rdn) =>
    rdn.subs.map((attribute) => {
      const [type, value] = attribute.subs;
      if (type === undefined || value === undefined) throw new Error('malformed subject');
      const oid = type.toOID();
      return [SHORT_NAMES[oid] ?? oid, stringValue(value)] as const;
    }),
  );
}

function stringValue(value: ASN1Obj): string {
  const tag = value.tag.number;
  if (UTF8_STRINGS.has(tag)) return value.value.toString('utf8');
  if (tag === TELETEX_STRING) return value.value.toString('latin1');
  if (tag === BMP_STRING) return Buffer.from(value.value).swap16().toString('utf16le');
  // Go prints other types as hex-encoded DER, which notation cannot match either.
  return `#${value.toDER().toString('hex')}`;
}

/** "C=US, ST=WA, O=Notary, CN=e2e": the order and form notation users write identities in. */
export function formatDistinguishedName(name: DistinguishedName): string {
  return name.map(([type, value]) => `${type}=${escapeValue(value)}`).join(', ');
}

function escapeValue(value: string): string {
  return value.replace(/[\\,+"<>;]/g, '\\$&').replace(/^[# ]| $/g, '\\$&');
}

const TYPE = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)$/;
const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;

/**
 * Parses an RFC 4514 distinguished name as notation's trust policy does (through go-ldap):
 * escapes and quoted values are understood; multi-valued RDNs and "#"-encoded values are not.
 */
export function parseDistinguishedName(text: string): DistinguishedName {
  const attributes: Array<readonly [string, string]> = [];
  let at = 0;
  while (at < text.length || attributes.length === 0) {
    const equals = text.indexOf('=', at);
    if (equals < 0) throw new Error(`"${text.slice(at).trim()}" is not TYPE=value`);
    const type = text.slice(at, equals).trim();
    if (!TYPE.test(type)) throw new Error(`"${type}" is not an attribute type`);
    const { value, end } = readValue(text, equals + 1);
    attributes.push([type, value]);
    const separator = text[end];
    if (separator === '+') throw new Error('multi-valued RDNs ("+") are not supported');
    at = separator === undefined ? end : end + 1;
    if (separator !== undefined && at >= text.length) throw new Error('it ends with a separator');
  }
  return attributes;
}

/** Reads one attribute value from `start`; `end` is the index of its separator, or the length. */
function readValue(text: string, start: number): { value: string; end: number } {
  let at = start;
  while (text[at] === ' ') at++;
  if (text[at] === '#') throw new Error('"#"-encoded values are not supported');
  const bytes: number[] = [];
  // Bytes up to here are kept even if spaces: escaped or quoted.
  let keep = 0;
  let quoted = false;
  if (text[at] === '"') {
    quoted = true;
    at++;
  }
  for (; at < text.length; at++) {
    const char = codePointAt(text, at);
    if (quoted && char === '"') {
      quoted = false;
      keep = bytes.length;
      continue;
    }
    if (!quoted && (char === ',' || char === ';' || char === '+')) break;
    if (char === '\\') {
      const pair = text.slice(at + 1, at + 3);
      if (HEX_PAIR.test(pair)) {
        bytes.push(Number.parseInt(pair, 16));
        at += 2;
      } else if (at + 1 < text.length) {
        const escaped = codePointAt(text, at + 1);
        bytes.push(...Buffer.from(escaped));
        at += escaped.length;
      } else {
        throw new Error('it ends with an unfinished escape');
      }
      keep = bytes.length;
      continue;
    }
    bytes.push(...Buffer.from(char));
    at += char.length - 1;
    if (char !== ' ' || quoted) keep = bytes.length;
  }
  if (quoted) throw new Error('a quoted value is not closed');
  return { value: Buffer.from(bytes.slice(0, keep)).toString('utf8'), end: at };
}

/** The whole character at `index`, so characters outside the BMP are not split. */
function codePointAt(text: string, index: number): string {
  return String.fromCodePoint(text.codePointAt(index) ?? 0);
}
