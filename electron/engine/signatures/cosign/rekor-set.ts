import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { json } from '@sigstore/core';
import { z } from 'zod';
import { keyFingerprint, spkiDer, verifyWithKey } from './public-key.js';
import { messageOf, Rejection } from './verification-result.js';

// The `dev.sigstore.cosign/bundle` annotation: Rekor's signed promise that it logged an entry.
const rekorBundleSchema = z.object({
  SignedEntryTimestamp: z.base64(),
  Payload: z.object({
    body: z.base64(),
    integratedTime: z.number().int().nonnegative(),
    logIndex: z.number().int().nonnegative(),
    logID: z.string().regex(/^[0-9a-f]{64}$/),
  }),
});

const hashedRekordSchema = z.object({
  apiVersion: z.literal('0.0.1'),
  kind: z.literal('hashedrekord'),
  spec: z.object({
    data: z.object({ hash: z.object({ algorithm: z.literal('sha256'), value: z.string() }) }),
    signature: z.object({ content: z.base64(), publicKey: z.object({ content: z.base64() }) }),
  }),
});

/** The signature Rekor is claimed to have logged, and who made it. */
export interface LoggedSignature {
  payload: Uint8Array;
  signature: Buffer;
  /** The key of a key-signed image, or the certificate of a keyless one. */
  signer: KeyObject | X509Certificate;
}

/**
 * Verifies the Signed Entry Timestamp in a cosign bundle annotation with the Rekor public
 * key, and that the logged entry is this very signature. Returns the time Rekor logged it,
 * which is the time a keyless certificate must have been valid.
 */
export function verifyRekorSet(
  annotation: string,
  rekorKey: KeyObject,
  logged: LoggedSignature,
): Date {
  const bundle = rekorBundleSchema.safeParse(parseJson(annotation, 'the Rekor bundle annotation'));
  if (!bundle.success) {
    throw new Rejection(
      `the Rekor bundle annotation is malformed: ${z.prettifyError(bundle.error)}`,
    );
  }
  const { Payload: payload, SignedEntryTimestamp: set } = bundle.data;

  const rekorKeyId = keyFingerprint(rekorKey);
  if (payload.logID !== rekorKeyId) {
    throw new Rejection(
      `the signature was logged by Rekor log ${payload.logID}, not the trusted Rekor key ${rekorKeyId}`,
    );
  }
  // Rekor signs the canonical JSON of exactly these four fields.
  const signed = json.canonicalize({
    body: payload.body,
    integratedTime: payload.integratedTime,
    logID: payload.logID,
    logIndex: payload.logIndex,
  });
  if (!verifyWithKey(rekorKey, Buffer.from(signed), Buffer.from(set, 'base64'))) {
    throw new Rejection(
      'the Rekor signed entry timestamp does not verify with the trusted Rekor key',
    );
  }

  checkLoggedEntry(Buffer.from(payload.body, 'base64').toString('utf8'), logged);
  return new Date(payload.integratedTime * 1000);
}

function checkLoggedEntry(body: string, logged: LoggedSignature): void {
  const entry = hashedRekordSchema.safeParse(parseJson(body, 'the Rekor entry'));
  if (!entry.success) {
    throw new Rejection(
      `the Rekor entry is not a hashedrekord 0.0.1 entry: ${z.prettifyError(entry.error)}`,
    );
  }
  const { data, signature } = entry.data.spec;
  if (data.hash.value !== createHash('sha256').update(logged.payload).digest('hex')) {
    throw new Rejection('the Rekor entry is for a different payload than the one signed');
  }
  if (!Buffer.from(signature.content, 'base64').equals(logged.signature)) {
    throw new Rejection('the Rekor entry records a different signature');
  }
  const pem = Buffer.from(signature.publicKey.content, 'base64').toString('utf8');
  if (!sameSigner(pem, logged.signer)) {
    throw new Rejection('the Rekor entry records a different signing key or certificate');
  }
}

function sameSigner(pem: string, signer: KeyObject | X509Certificate): boolean {
  try {
    if (signer instanceof X509Certificate) return new X509Certificate(pem).raw.equals(signer.raw);
    return spkiDer(createPublicKey(pem)).equals(spkiDer(signer));
  } catch {
    return false;
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Rejection(`${what} is not JSON: ${messageOf(error)}`);
  }
}
