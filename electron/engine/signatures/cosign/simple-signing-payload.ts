import { z } from 'zod';
import { messageOf, Rejection } from './verification-result.js';

export const COSIGN_SIGNATURE_TYPE = 'cosign container image signature';

// Strict objects, as containers/image parses them: an unknown field under `critical` is a
// claim this verifier does not understand, so the signature must not be trusted.
const payloadSchema = z.strictObject({
  critical: z.strictObject({
    type: z.string(),
    image: z.strictObject({ 'docker-manifest-digest': z.string() }),
    identity: z.strictObject({ 'docker-reference': z.string() }),
  }),
  optional: z.record(z.string(), z.unknown()).nullish(),
});

/** What a cosign simple-signing payload claims; meaningful only once its signature verified. */
export interface SimpleSigningClaims {
  manifestDigest: string;
  dockerReference: string;
}

export function parseSimpleSigningPayload(payload: Uint8Array): SimpleSigningClaims {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch (error) {
    throw new Rejection(`the signed payload is not JSON: ${messageOf(error)}`);
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) {
    throw new Rejection(
      `the signed payload is not a cosign signature payload: ${z.prettifyError(parsed.error)}`,
    );
  }
  const { critical } = parsed.data;
  if (critical.type !== COSIGN_SIGNATURE_TYPE) {
    throw new Rejection(
      `the signed payload has type "${critical.type}", not "${COSIGN_SIGNATURE_TYPE}"`,
    );
  }
  return {
    manifestDigest: critical.image['docker-manifest-digest'],
    dockerReference: critical.identity['docker-reference'],
  };
}
