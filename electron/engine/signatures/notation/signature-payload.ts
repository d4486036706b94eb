import { z } from 'zod';
import { Rejection, parseOrReject } from './rejection.js';
import { PAYLOAD_CONTENT_TYPE } from './signed-attributes.js';

/** The OCI descriptor of the image manifest being admitted. */
export interface TargetDescriptor {
  digest: string;
  size: number;
  mediaType: string;
}

const payloadSchema = z.object({
  targetArtifact: z.looseObject({
    mediaType: z.string(),
    digest: z.string(),
    size: z.number().int().nonnegative(),
  }),
});

/** What a verified payload signs: `{targetArtifact: descriptor}`. */
export function signedTarget(contentType: string, payload: Uint8Array): TargetDescriptor {
  if (contentType !== PAYLOAD_CONTENT_TYPE) {
    throw new Rejection(`the signed payload is ${contentType}, not a Notary Project payload`);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    throw new Rejection('the signed payload is not JSON');
  }
  return parseOrReject(payloadSchema, json, 'the signed payload').targetArtifact;
}

/** The signature must be for exactly this manifest: same digest, size and media type. */
export function checkTarget(signed: TargetDescriptor, target: TargetDescriptor): void {
  if (signed.digest !== target.digest) {
    throw new Rejection(
      `signed artifact digest differs: the signature is for ${signed.digest}, the image is ${target.digest}`,
    );
  }
  if (signed.size !== target.size) {
    throw new Rejection(
      `signed artifact size differs: the signature is for ${signed.size} bytes, the image manifest has ${target.size}`,
    );
  }
  if (signed.mediaType !== target.mediaType) {
    throw new Rejection(
      `signed artifact media type differs: the signature is for ${signed.mediaType}, the image manifest is ${target.mediaType}`,
    );
  }
}
