import { createPublicKey } from 'node:crypto';
import { X509Certificate } from '@sigstore/core';
import type { TrustMaterial } from '@sigstore/verify';
import { z } from 'zod';
import { messageOf } from './verification-result.js';

/** A parsed `trusted_root.json`: Sigstore's CAs, logs and timestamp authorities. */
export type TrustedRoot = Omit<TrustMaterial, 'publicKey'>;

type CertAuthority = TrustedRoot['certificateAuthorities'][number];
type LogAuthority = TrustedRoot['tlogs'][number];

const END_OF_TIME = new Date(8_640_000_000_000_000);

const base64 = z.base64().min(1);
// A validity period must say when it starts: reading a missing start as "always" would
// extend trust to keys and CAs outside the period their operator vouches for.
const timeRange = z.object({
  start: z.iso.datetime({ offset: true }),
  end: z.iso.datetime({ offset: true }).nullish(),
});
const certificateAuthority = z.object({
  certChain: z.object({ certificates: z.array(z.object({ rawBytes: base64 })).min(1) }),
  validFor: timeRange,
});
const transparencyLog = z.object({
  baseUrl: z.string(),
  publicKey: z.object({ rawBytes: base64, keyDetails: z.string(), validFor: timeRange }),
  logId: z.object({ keyId: base64 }),
  checkpointKeyId: z.object({ keyId: base64 }).nullish(),
});
const trustedRootSchema = z.object({
  mediaType: z.string().startsWith('application/vnd.dev.sigstore.trustedroot'),
  tlogs: z.array(transparencyLog).default([]),
  certificateAuthorities: z.array(certificateAuthority).default([]),
  ctlogs: z.array(transparencyLog).default([]),
  timestampAuthorities: z.array(certificateAuthority).default([]),
});

/**
 * Parses a Sigstore `trusted_root.json` (as shipped by @sigstore/tuf, or a private
 * deployment's). `source` names it in errors, e.g. a file path.
 */
export function parseTrustedRoot(text: string | Uint8Array, source = 'trusted root'): TrustedRoot {
  let json: unknown;
  try {
    json = JSON.parse(typeof text === 'string' ? text : Buffer.from(text).toString('utf8'));
  } catch (error) {
    throw new Error(`${source} is not JSON: ${messageOf(error)}`, { cause: error });
  }
  const parsed = trustedRootSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`${source} is not a Sigstore trusted root: ${z.prettifyError(parsed.error)}`);
  }
  try {
    const root = parsed.data;
    return {
      certificateAuthorities: root.certificateAuthorities.map(toCertAuthority),
      timestampAuthorities: root.timestampAuthorities.map(toCertAuthority),
      tlogs: root.tlogs.map(toLogAuthority),
      ctlogs: root.ctlogs.map(toLogAuthority),
    };
  } catch (error) {
    throw new Error(`${source} holds a malformed certificate or key: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

function toCertAuthority(ca: z.infer<typeof certificateAuthority>): CertAuthority {
  return {
    certChain: ca.certChain.certificates.map((c) => X509Certificate.parse(fromBase64(c.rawBytes))),
    validFor: toValidity(ca.validFor),
  };
}

function toLogAuthority(log: z.infer<typeof transparencyLog>): LogAuthority {
  const { rawBytes, keyDetails, validFor } = log.publicKey;
  return {
    baseURL: log.baseUrl,
    // Rekor v2 checkpoints are signed under a key ID distinct from the log ID.
    logID: fromBase64((log.checkpointKeyId ?? log.logId).keyId),
    publicKey: createPublicKey({
      key: fromBase64(rawBytes),
      format: 'der',
      type: keyDetails.startsWith('PKCS1_') ? 'pkcs1' : 'spki',
    }),
    validFor: toValidity(validFor),
  };
}

function toValidity(range: z.infer<typeof timeRange>): { start: Date; end: Date } {
  return { start: new Date(range.start), end: range.end ? new Date(range.end) : END_OF_TIME };
}

function fromBase64(value: string): Buffer<ArrayBuffer> {
  return Buffer.from(value, 'base64');
}
