import { z } from 'zod';
import { parseCertificate } from './certificate-chain.js';
import { Rejection, parseOrReject } from './rejection.js';
import { jwsAlgorithm } from './signature-algorithm.js';
import {
  HEADER,
  UNPROTECTED,
  signedAttributes,
  type EnvelopeContent,
} from './signed-attributes.js';

export const JWS_MEDIA_TYPE = 'application/jose+json';

// Notary JWS parts are unpadded base64url (RFC 7515); x5c entries are padded base64.
const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected unpadded base64url');
const base64 = z
  .string()
  .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'expected base64');

/** The flattened JWS JSON serialization notation writes. */
const envelopeSchema = z.object({
  protected: base64url,
  payload: base64url,
  signature: base64url,
  header: z.object({
    x5c: z.array(base64).min(1, 'expected the certificate chain'),
    [UNPROTECTED.timestampSignature]: base64.optional(),
  }),
});

const time = z.iso.datetime({ offset: true }).transform((value) => new Date(value));

const protectedSchema = z.looseObject({
  alg: z.string(),
  cty: z.string(),
  crit: z.array(z.string()).optional(),
  [HEADER.signingScheme]: z.string(),
  [HEADER.signingTime]: time.optional(),
  [HEADER.authenticSigningTime]: time.optional(),
  [HEADER.expiry]: time.optional(),
});

/** Reads a JWS envelope (`application/jose+json`); checks its form, not its signature. */
export function parseJwsEnvelope(bytes: Uint8Array): EnvelopeContent {
  const envelope = parseOrReject(
    envelopeSchema,
    parseJson(bytes, 'the JWS envelope'),
    'the JWS envelope',
  );
  const header = parseOrReject(
    protectedSchema,
    parseJson(Buffer.from(envelope.protected, 'base64url'), 'the JWS protected header'),
    'the JWS protected header',
  );
  return {
    algorithm: jwsAlgorithm(header.alg),
    signed: Buffer.from(`${envelope.protected}.${envelope.payload}`, 'ascii'),
    signature: Buffer.from(envelope.signature, 'base64url'),
    payload: Buffer.from(envelope.payload, 'base64url'),
    payloadContentType: header.cty,
    attributes: signedAttributes({
      labels: Object.keys(header),
      critical: header.crit,
      signingScheme: header[HEADER.signingScheme],
      signingTime: header[HEADER.signingTime],
      authenticSigningTime: header[HEADER.authenticSigningTime],
      expiry: header[HEADER.expiry],
    }),
    certificateChain: envelope.header.x5c.map((der, i) =>
      parseCertificate(Buffer.from(der, 'base64'), `certificate ${i + 1} of x5c`),
    ),
    hasTimestamp: envelope.header[UNPROTECTED.timestampSignature] !== undefined,
  };
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new Rejection(`${what} is not JSON`);
  }
}
