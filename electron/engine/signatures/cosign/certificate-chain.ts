import { X509Certificate } from 'node:crypto';
import { messageOf } from './verification-result.js';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const CODE_SIGNING = '1.3.6.1.5.5.7.3.3';
// Far more than any real CA hierarchy; bounds the search through attacker-supplied chains.
const MAX_DEPTH = 8;

/** Every certificate in a PEM text (a bundle of roots, or cosign's chain annotation). */
export function parsePemCertificates(pem: string, source: string): X509Certificate[] {
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new Error(`${source} holds no PEM certificate`);
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (error) {
      throw new Error(`${source}: certificate ${i + 1} is malformed: ${messageOf(error)}`, {
        cause: error,
      });
    }
  });
}

/**
 * Checks that `leaf` was issued, through CA certificates from `intermediates`, by one of
 * `roots`, with every certificate on the way valid at `at` (the signing time, not now:
 * Fulcio certificates live ten minutes). Returns why not, or undefined when it does.
 */
export function certificateChainProblem(
  leaf: X509Certificate,
  intermediates: readonly X509Certificate[],
  roots: readonly X509Certificate[],
  at: Date,
): string | undefined {
  const eku = leaf.keyUsage;
  if (eku !== undefined && !eku.includes(CODE_SIGNING)) {
    return `the signing certificate is not for code signing (extended key usage ${eku.join(', ')})`;
  }
  if (findPath(leaf, intermediates, roots, at)) return undefined;

  const untimed = findPath(leaf, intermediates, roots, undefined);
  const expired = untimed?.find((cert) => !validAt(cert, at));
  if (expired !== undefined) {
    return (
      `${describe(expired)} was valid from ${expired.validFromDate.toISOString()} ` +
      `to ${expired.validToDate.toISOString()}, not at ${at.toISOString()} when the image was signed`
    );
  }
  return `the signing certificate (issued by "${oneLine(leaf.issuer)}") does not chain to a trusted root`;
}

/** Depth-first search for leaf → ... → root; `at` undefined ignores validity periods. */
function findPath(
  cert: X509Certificate,
  intermediates: readonly X509Certificate[],
  roots: readonly X509Certificate[],
  at: Date | undefined,
  depth = 0,
): X509Certificate[] | undefined {
  if (at !== undefined && !validAt(cert, at)) return undefined;
  if (roots.some((root) => root.raw.equals(cert.raw))) return [cert];
  if (depth >= MAX_DEPTH) return undefined;
  for (const issuer of [...roots, ...intermediates]) {
    if (issuer.raw.equals(cert.raw)) continue;
    const isRoot = roots.includes(issuer);
    // Only a trusted root may be a non-CA issuer (it is trusted by configuration).
    if (!isRoot && !issuer.ca) continue;
    if (!cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) continue;
    const rest = findPath(issuer, intermediates, roots, at, depth + 1);
    if (rest) return [cert, ...rest];
  }
  return undefined;
}

function validAt(cert: X509Certificate, at: Date): boolean {
  return cert.validFromDate <= at && at <= cert.validToDate;
}

function describe(cert: X509Certificate): string {
  const subject = oneLine(cert.subject);
  if (subject) return `certificate "${subject}"`;
  return cert.subjectAltName ? `the certificate for ${cert.subjectAltName}` : 'a certificate';
}

// node:crypto reports an empty name, as Fulcio certificates have, as undefined.
function oneLine(distinguishedName: string | undefined): string {
  return (distinguishedName ?? '').split('\n').join(', ');
}
