import { describe, expect, it } from 'vitest';
import { parsePinnedRootKey } from '../../../../../electron/engine/signatures/notary-v1/pinned-root-key.js';
import { verifyRoot } from '../../../../../electron/engine/signatures/notary-v1/verify-root.js';
import { metadata, NOTARY_01 } from './notary-fixtures.js';

const pin = { keyId: NOTARY_01.rootKeyId, from: 'key ID' } as const;
const now = new Date('2020-01-01T00:00:00Z');
const root = () => JSON.parse(metadata(NOTARY_01, 'root').toString());

describe('verifyRoot', () => {
  it('verifies the canonical form, whatever the whitespace and key order on the wire', () => {
    const { signed, signatures } = root();
    const reordered = { signatures, signed: Object.fromEntries(Object.entries(signed).reverse()) };
    expect(
      verifyRoot(Buffer.from(JSON.stringify(reordered, null, 2)), NOTARY_01.gun, pin, now).version,
    ).toBe(1);
  });

  it('rejects a root with a field added after signing', () => {
    const changed = root();
    changed.signed.consistent_snapshot = true;
    expect(() => verifyRoot(Buffer.from(JSON.stringify(changed)), NOTARY_01.gun, pin, now)).toThrow(
      `root.json of ${NOTARY_01.gun} has no valid signature by the pinned root key: it was altered or signed with another key`,
    );
  });

  it('accepts the pin parsed from a root key ID', () => {
    const parsed = parsePinnedRootKey(NOTARY_01.rootCertKeyId);
    expect(
      parsed.ok &&
        verifyRoot(metadata(NOTARY_01, 'root'), NOTARY_01.gun, parsed.key, now).roles.root.keyids,
    ).toEqual([NOTARY_01.rootCertKeyId]);
  });
});
