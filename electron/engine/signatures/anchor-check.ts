import type { TrustAnchor } from '../../../shared/api/trust-schemas.js';
import { parsePemCertificates } from './cosign/certificate-chain.js';
import { compileIdentityExpression } from './cosign/identity-expression.js';
import { parsePublicKey } from './cosign/public-key.js';
import { parseTrustedRoot } from './cosign/trusted-root.js';
import { parsePinnedRootKey } from './notary-v1/pinned-root-key.js';

/**
 * Checks what the schema cannot: that keys, certificates and trusted roots parse. Run when a
 * policy is added, so a bad anchor is refused then with its reason, not at the first start.
 */
export function anchorProblem(anchor: TrustAnchor): string | undefined {
  try {
    switch (anchor.kind) {
      case 'cosign-key':
        parsePublicKey(anchor.publicKey, 'the cosign public key');
        if (anchor.rekorPublicKey) parsePublicKey(anchor.rekorPublicKey, 'the Rekor public key');
        return undefined;
      case 'cosign-keyless':
        if ('regex' in anchor.identity) compileIdentityExpression(anchor.identity.regex);
        if (anchor.trustedRoot) parseTrustedRoot(anchor.trustedRoot, 'the trusted root');
        return undefined;
      case 'notary-v1': {
        if (anchor.ca) parsePemCertificates(anchor.ca, 'the Notary server CA');
        const pin = parsePinnedRootKey(anchor.rootKey);
        return pin.ok ? undefined : pin.reason;
      }
      case 'notation':
        parsePemCertificates(anchor.certificates, 'the Notation trust store');
        return undefined;
    }
  } catch (error) {
    return (error as Error).message;
  }
}
