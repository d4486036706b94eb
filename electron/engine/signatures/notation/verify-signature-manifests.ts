import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Rejection, messageOf, parseOrReject } from './rejection.js';
import {
  verifyNotationSignature,
  type NotationVerificationOptions,
  type NotationVerificationResult,
} from './verify-notation-signature.js';

export const NOTATION_ARTIFACT_TYPE = 'application/vnd.cncf.notary.signature';

/** A referrer of the image, as the registry client fetched it. */
export interface NotationSignatureArtifact {
  /** The signature manifest, parsed from JSON. */
  manifest: unknown;
  /** The blob its one layer names. */
  envelopeBytes: Uint8Array;
}

export type NotationSignaturesResult =
  | (Extract<NotationVerificationResult, { ok: true }> & {
      /** Why each signature tried before the accepted one was rejected. */
      rejected: string[];
    })
  | { ok: false; reason: string; reasons: string[] };

export type NotationSignaturesOptions = Omit<
  NotationVerificationOptions,
  'envelope' | 'envelopeMediaType'
>;

const descriptorSchema = z.object({
  mediaType: z.string(),
  digest: z.string(),
  size: z.number().int().nonnegative(),
});

const manifestSchema = z.object({
  artifactType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  subject: descriptorSchema.optional(),
});

const DIGEST = /^(sha256|sha512):([0-9a-f]+)$/;

/** Admits the image if any one of its Notary Project signatures verifies, as notation does. */
export function verifyAnyNotationSignature(
  signatures: readonly NotationSignatureArtifact[],
  options: NotationSignaturesOptions,
): NotationSignaturesResult {
  if (signatures.length === 0) {
    return { ok: false, reason: 'the image has no Notary Project signature', reasons: [] };
  }
  const reasons: string[] = [];
  for (const signature of signatures) {
    const result = verifyArtifact(signature, options);
    if (result.ok) return { ...result, rejected: reasons };
    reasons.push(result.reason);
  }
  const reason =
    reasons.length === 1
      ? (reasons[0] as string)
      : `none of its ${reasons.length} Notary Project signatures is acceptable: ` +
        reasons.map((why, i) => `(${i + 1}) ${why}`).join('; ');
  return { ok: false, reason, reasons };
}

function verifyArtifact(
  { manifest, envelopeBytes }: NotationSignatureArtifact,
  options: NotationSignaturesOptions,
): NotationVerificationResult {
  let envelopeMediaType: string;
  try {
    envelopeMediaType = envelopeLayer(manifest, envelopeBytes, options.target.digest);
  } catch (error) {
    return { ok: false, reason: messageOf(error) };
  }
  return verifyNotationSignature({ ...options, envelope: envelopeBytes, envelopeMediaType });
}

/** Checks the manifest is a signature of this image with this envelope; returns its media type. */
function envelopeLayer(manifest: unknown, envelope: Uint8Array, imageDigest: string): string {
  const parsed = parseOrReject(manifestSchema, manifest, 'the signature manifest');
  // Before OCI 1.1 artifactType, notation marked signatures by their config media type.
  const artifactType = parsed.artifactType ?? parsed.config.mediaType;
  if (artifactType !== NOTATION_ARTIFACT_TYPE) {
    throw new Rejection(
      `the referrer's artifact type is ${artifactType}, not ${NOTATION_ARTIFACT_TYPE}`,
    );
  }
  if (parsed.subject?.digest !== imageDigest) {
    throw new Rejection(
      `the signature manifest is for ${parsed.subject?.digest ?? 'no image'}, not this image (${imageDigest})`,
    );
  }
  const [layer, ...others] = parsed.layers;
  if (layer === undefined || others.length > 0) {
    throw new Rejection(
      `a Notary Project signature manifest has one layer, the envelope; this one has ${parsed.layers.length}`,
    );
  }
  const digest = DIGEST.exec(layer.digest);
  const matches =
    digest !== null &&
    layer.size === envelope.length &&
    createHash(digest[1] as string)
      .update(envelope)
      .digest('hex') === digest[2];
  if (!matches) {
    throw new Rejection(`the signature envelope blob is not ${layer.digest} named by its manifest`);
  }
  return layer.mediaType;
}
