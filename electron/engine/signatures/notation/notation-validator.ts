import { isDigest } from '../../../../shared/digest.js';
import type { SignatureValidator } from '../signature-validator.js';
import {
  NOTATION_ARTIFACT_TYPE,
  verifyAnyNotationSignature,
  type NotationSignatureArtifact,
} from './verify-signature-manifests.js';

/** A signature envelope is small; anything larger is not one. */
const MAX_ENVELOPE_BYTES = 1024 * 1024;
/** Signatures of one image tried at most, so a flooded referrers list cannot stall a decision. */
const MAX_SIGNATURES = 20;

/**
 * Notation (Notary Project) signatures: found through the referrers API (or its tag
 * fallback), verified at the strict level against the anchor's trust store and identities.
 */
export const notationValidator: SignatureValidator<'notation'> = {
  kind: 'notation',
  async verify(subject, anchor) {
    const { repository, digest } = subject;
    const target = await repository.getManifest(digest);
    const { descriptors } = await repository.getReferrers(digest, NOTATION_ARTIFACT_TYPE);
    const signatures: NotationSignatureArtifact[] = [];
    for (const descriptor of descriptors.slice(0, MAX_SIGNATURES)) {
      if (!isDigest(descriptor.digest)) continue;
      const signature = await repository.getManifest(descriptor.digest);
      const layer = signature.kind === 'manifest' ? signature.manifest.layers[0] : undefined;
      if (!layer || !isDigest(layer.digest)) continue;
      signatures.push({
        manifest: JSON.parse(new TextDecoder().decode(signature.bytes)) as unknown,
        envelopeBytes: await repository.getBlob(layer.digest, MAX_ENVELOPE_BYTES),
      });
    }
    const result = verifyAnyNotationSignature(signatures, {
      target: { digest, size: target.bytes.length, mediaType: target.mediaType },
      trustStore: [anchor.certificates],
      trustedIdentities: anchor.trustedIdentities,
      now: subject.now,
    });
    return result.ok
      ? { ok: true, reason: `Notation signature by ${result.signer}`, signer: result.signer }
      : { ok: false, reason: result.reason };
  },
};
