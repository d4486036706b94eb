import { Tag, decode, encode } from 'cbor2';
import { z } from 'zod';
import { parseCertificate } from './certificate-chain.js';
import { Rejection, messageOf, parseOrReject } from './rejection.js';
import { coseAlgorithm } from './signature-algorithm.js';
import {
  HEADER,
  UNPROTECTED,
  signedAttributes,
  type EnvelopeContent,
} from './signed-attributes.js';

export const COSE_MEDIA_TYPE = 'application/cose';

const COSE_SIGN1_TAG = 18;
const EPOCH_TIME_TAG = 1;
const LABEL = { alg: 1, crit: 2, contentType: 3, x5chain: 33 } as const;

// Tags stay Tag objects, so COSE_Sign1 and epoch times are checked as tagged, not guessed.
const DECODE_OPTIONS = { ignoreGlobalTags: true, preferMap: true, rejectDuplicateKeys: true };

const bytes = (what: string) =>
  z.instanceof(Uint8Array, { error: `expected ${what} as a byte string` });
const headerMap = z.map(z.unknown(), z.unknown(), { error: 'expected a map' });

/** COSE_Sign1 = [protected: bstr, unprotected: map, payload: bstr, signature: bstr] */
const sign1Schema = z.tuple([
  bytes('the protected header'),
  headerMap,
  bytes('the payload'),
  bytes('the signature'),
]);

const criticalSchema = z.array(z.union([z.string(), z.number()])).optional();
const x5chainSchema = z
  .array(bytes('a certificate'), { error: 'expected the certificate chain as an array' })
  .min(1, 'expected the certificate chain');

/** Reads a COSE_Sign1 envelope (`application/cose`); checks its form, not its signature. */
export function parseCoseEnvelope(envelope: Uint8Array): EnvelopeContent {
  // A plain Uint8Array copy: decoded from a Buffer (as blobs arrive), cbor2 hands back Buffer
  // byte strings, which it would encode again through toJSON() into the Sig_structure.
  const message = decodeCbor(Uint8Array.from(envelope), 'the COSE envelope');
  if (!(message instanceof Tag) || message.tag !== COSE_SIGN1_TAG) {
    throw new Rejection('the COSE envelope is not a tagged COSE_Sign1 message');
  }
  const [protectedBytes, unprotected, payload, signature] = parseOrReject(
    sign1Schema,
    message.contents,
    'the COSE_Sign1 message',
  );
  const header = parseOrReject(
    headerMap,
    decodeCbor(protectedBytes, 'the COSE protected header'),
    'the COSE protected header',
  );
  const text = (label: string | number, what: string) =>
    parseOrReject(z.string(), header.get(label), `the COSE ${what} header`);

  return {
    algorithm: coseAlgorithm(header.get(LABEL.alg)),
    // Sig_structure (RFC 9052 section 4.4), with no external data.
    signed: encode(['Signature1', protectedBytes, new Uint8Array(0), payload]),
    signature,
    payload,
    payloadContentType: text(LABEL.contentType, 'content type'),
    attributes: signedAttributes({
      labels: [...header.keys()],
      critical: parseOrReject(criticalSchema, header.get(LABEL.crit), 'the COSE crit header'),
      signingScheme: text(HEADER.signingScheme, 'signing scheme'),
      signingTime: epochTime(header, HEADER.signingTime),
      authenticSigningTime: epochTime(header, HEADER.authenticSigningTime),
      expiry: epochTime(header, HEADER.expiry),
    }),
    certificateChain: parseOrReject(
      x5chainSchema,
      unprotected.get(LABEL.x5chain),
      'the COSE x5chain header',
    ).map((der, i) => parseCertificate(der, `certificate ${i + 1} of x5chain`)),
    hasTimestamp: unprotected.get(UNPROTECTED.timestampSignature) !== undefined,
  };
}

/** Notary COSE times are tag 1 (seconds since the epoch), as notation-core-go requires. */
function epochTime(header: Map<unknown, unknown>, label: string): Date | undefined {
  const value = header.get(label);
  if (value === undefined) return undefined;
  if (value instanceof Tag && value.tag === EPOCH_TIME_TAG && typeof value.contents === 'number') {
    const time = new Date(value.contents * 1000);
    if (!Number.isNaN(time.getTime())) return time;
  }
  throw new Rejection(`the COSE ${label} header is not a tag 1 epoch time`);
}

function decodeCbor(input: Uint8Array, what: string): unknown {
  try {
    return decode(input, DECODE_OPTIONS);
  } catch (error) {
    throw new Rejection(`${what} is not valid CBOR: ${messageOf(error)}`);
  }
}
