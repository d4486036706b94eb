/**
 * The bytes Notary signs: its verifier decodes the `signed` object into Go maps and
 * re-encodes it with github.com/docker/go/canonical/json `MarshalCanonical`. That encoder
 * sorts object keys bytewise (Go string order), writes no whitespace, escapes only `"` and
 * `\` in strings (control characters and U+2028/9 stay raw, unlike JSON.stringify or RFC 8785)
 * and refuses non-integral numbers. Integers print in plain decimal: a real notary 0.7 verifies
 * targets of length 1234567, so lengths are not written in exponent form.
 */
export function canonicalJson(value: unknown): Uint8Array {
  // TextEncoder turns a lone surrogate (from a "\ud800" escape) into U+FFFD, as Go's decoder does.
  return new TextEncoder().encode(encode(value));
}

function encode(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return `"${value.replace(/["\\]/g, '\\$&')}"`;
  if (typeof value === 'number') {
    // Beyond 2^53 JSON.parse has already rounded the number, so it can no longer match.
    if (!Number.isSafeInteger(value)) throw new Error(`number ${value} is not a safe integer`);
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(encode).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => compareUtf8(a, b));
    return `{${entries.map(([k, v]) => `${encode(k)}:${encode(v)}`).join(',')}}`;
  }
  throw new Error(`${typeof value} has no JSON form`);
}

/** Go compares strings bytewise; JS compares UTF-16 code units, which differs above U+FFFF. */
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
