/** The outcome of checking one signature against one trust anchor. */
export type VerificationResult =
  | {
      ok: true;
      /** The image (or artifact) digest the signature was verified for. */
      digest: string;
      /** Who signed: a public key's hex fingerprint (see keyFingerprint), or a certificate identity. */
      signer: string;
      /** The OIDC issuer of a keyless signer's certificate. */
      issuer?: string;
      /** When Rekor logged a legacy signature, if the trust anchor names a Rekor key. */
      signedAt?: Date;
    }
  | { ok: false; reason: string };

/** Thrown inside the verifiers to stop at the first failed check; `reason` is for the user. */
export class Rejection extends Error {}

/**
 * Turns anything thrown while verifying into a rejection: signatures are attacker-controlled
 * input, so a parser or library failure on them must deny, never crash the caller.
 */
export function rejectionFrom(error: unknown, context: string): { ok: false; reason: string } {
  if (error instanceof Rejection) return { ok: false, reason: error.message };
  return { ok: false, reason: `${context}: ${messageOf(error)}` };
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
