import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  resolveSignedTag,
  type ResolveSignedTagInput,
} from '../../../../../electron/engine/signatures/notary-v1/trust-resolver.js';
import { fixtureFetcher, metadata, NOTARY_01, NOTARY_03, readFixture } from './notary-fixtures.js';

// notary0.1 was signed on 2016-02-05 with 100-year validity: its root certificate is valid from
// 2016-02-05T00:58:57Z and its earliest expiry is timestamp.json at 2116-01-12T00:58:43Z. A
// fixed time inside that window keeps the expected outcome independent of the machine's clock.
const IN_NOTARY_01_VALIDITY = new Date('2020-01-01T00:00:00Z');
// The day EXPECTED.md was written: notary0.3's root certificate expired on 2026-07-25.
const TODAY = new Date('2026-11-23T12:00:00Z');
// notary0.3 before its root certificate expired; its delegation certificate expired in 2017,
// which Notary (and so Docker) does not check: targets.json vouches for the delegation key.
const IN_NOTARY_03_VALIDITY = new Date('2020-01-01T00:00:00Z');

const LICENSE = {
  digest: 'sha256:9395bac6fccb26bcb55efb083d1b4b0fe72a1c25f959f056c016120b3bb56a62',
  length: 11309,
};

function notary01(overrides: Partial<ResolveSignedTagInput> = {}): ResolveSignedTagInput {
  return {
    gun: NOTARY_01.gun,
    tag: 'LICENSE',
    rootKey: NOTARY_01.rootKeyId,
    fetchRole: fixtureFetcher(NOTARY_01),
    now: IN_NOTARY_01_VALIDITY,
    ...overrides,
  };
}

async function reasonOf(input: ResolveSignedTagInput): Promise<string> {
  const result = await resolveSignedTag(input);
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result)}`);
  return result.reason;
}

describe('resolveSignedTag on notary0.1', () => {
  it('resolves LICENSE to its signed sha256 and length', async () => {
    expect(await resolveSignedTag(notary01())).toEqual({
      ok: true,
      ...LICENSE,
      signedBy: ['targets'],
    });
  });

  it('accepts the root pinned as certificate, certificate key ID or root key file ID', async () => {
    const certificate = readFixture(
      NOTARY_01,
      `trusted_certificates/${NOTARY_01.gun}/${NOTARY_01.rootCertKeyId}.crt`,
    ).toString();
    for (const rootKey of [certificate, NOTARY_01.rootCertKeyId, NOTARY_01.rootKeyId.toUpperCase()])
      expect(await resolveSignedTag(notary01({ rootKey }))).toMatchObject({ ok: true, ...LICENSE });
  });

  it('rejects any one changed byte of targets.json as a hash mismatch against snapshot.json', async () => {
    const targets = metadata(NOTARY_01, 'targets');
    for (let i = 0; i < targets.length; i++) {
      const changed = Buffer.from(targets);
      changed[i]! ^= 0x01;
      const reason = await reasonOf(
        notary01({ fetchRole: fixtureFetcher(NOTARY_01, { targets: changed }) }),
      );
      expect(reason).toMatch(
        /^targets\.json does not match its sha256 hash in snapshot\.json \(hash mismatch\)/,
      );
    }
  }, 60_000); // heavy work, slow on a busy machine: not a timing assertion

  it('rejects targets.json of another length', async () => {
    const longer = Buffer.concat([metadata(NOTARY_01, 'targets'), Buffer.from(' ')]);
    expect(
      await reasonOf(notary01({ fetchRole: fixtureFetcher(NOTARY_01, { targets: longer }) })),
    ).toContain('targets.json is 440 bytes but snapshot.json says 439 (length mismatch)');
  });

  it('rejects a root key that is not the pinned one', async () => {
    const reason = await reasonOf(notary01({ rootKey: NOTARY_03.rootKeyId }));
    expect(reason).toContain(
      `root.json of ${NOTARY_01.gun} is not signed with the pinned root key (key ID ${NOTARY_03.rootKeyId})`,
    );
    expect(reason).toContain(`its root key is ${NOTARY_01.rootKeyId}`);

    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const pem = otherKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(await reasonOf(notary01({ rootKey: pem }))).toContain(
      'is not signed with the pinned root key (public key',
    );
  });

  it('rejects the root when the GUN is not the one its certificate names', async () => {
    // The same metadata served for another repository: Docker reuses one root key for all of a
    // publisher's repositories, so only the certificate's common name ties root.json to one.
    expect(await reasonOf(notary01({ gun: 'docker.com/notary0.1/other' }))).toContain(
      `its certificate is for "${NOTARY_01.gun}", not for docker.com/notary0.1/other`,
    );
  });

  it('explains that a private key file cannot be pinned', async () => {
    const privateKey = readFixture(
      NOTARY_03,
      `private/root_keys/${NOTARY_03.rootKeyId}.key`,
    ).toString();
    expect(await reasonOf(notary01({ rootKey: privateKey }))).toMatch(
      /the pinned root key .* is unusable: this is a private key file; .*file name of the root key in ~\/\.docker\/trust\/private/,
    );
  });

  it('rejects a tag nobody signed, and names the fix', async () => {
    expect(await reasonOf(notary01({ tag: 'latest' }))).toBe(
      `${NOTARY_01.gun}:latest is not signed: neither targets/releases nor targets lists the tag (sign it with docker trust sign)`,
    );
    // Lookups go through own properties only: metadata keys are untrusted.
    expect(await reasonOf(notary01({ tag: 'constructor' }))).toContain('is not signed');
  });

  it('rejects metadata once it expires, and before the root certificate is valid', async () => {
    expect(await reasonOf(notary01({ now: new Date('2116-01-12T00:58:44Z') }))).toBe(
      `timestamp.json of ${NOTARY_01.gun} expired on 2116-01-12T00:58:43.527Z: the trust data is stale and must be re-signed (the trust server renews timestamp.json; the publisher re-signs the others)`,
    );
    expect(await reasonOf(notary01({ now: new Date('2016-01-01T00:00:00Z') }))).toContain(
      'its certificate is not valid before 2016-02-05T00:58:57.000Z',
    );
  });

  it('rejects a timestamp.json whose signature does not verify', async () => {
    const timestamp = JSON.parse(metadata(NOTARY_01, 'timestamp').toString());
    timestamp.signatures[0].sig = metadata(NOTARY_01, 'snapshot')
      .toString()
      .match(/"sig":"([^"]+)"/)![1];
    const fetchRole = fixtureFetcher(NOTARY_01, {
      timestamp: Buffer.from(JSON.stringify(timestamp)),
    });
    expect(await reasonOf(notary01({ fetchRole }))).toMatch(
      /^timestamp\.json of .* has 0 valid signature\(s\) by its role's keys but needs 1/,
    );
  });

  it('reports a missing repository and a missing role', async () => {
    expect(
      await reasonOf(notary01({ fetchRole: fixtureFetcher(NOTARY_01, { root: undefined }) })),
    ).toBe(
      `the trust server has no trust data for ${NOTARY_01.gun}: ${NOTARY_01.gun}:LICENSE was never signed with Docker Content Trust, or the GUN or trust server is wrong`,
    );
    expect(
      await reasonOf(notary01({ fetchRole: fixtureFetcher(NOTARY_01, { snapshot: undefined }) })),
    ).toBe(
      `the trust server has no snapshot.json for ${NOTARY_01.gun}: the repository's trust data is incomplete`,
    );
  });

  it('reports a failing fetch with its cause', async () => {
    const fetchRole = async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:4443');
    };
    expect(await reasonOf(notary01({ fetchRole }))).toBe(
      `could not fetch root.json of ${NOTARY_01.gun} from the trust server: connect ECONNREFUSED 127.0.0.1:4443`,
    );
  });

  it('gives clear reasons for oversized and malformed files', async () => {
    const huge = Buffer.alloc((1 << 20) + 1, ' ');
    expect(
      await reasonOf(notary01({ fetchRole: fixtureFetcher(NOTARY_01, { timestamp: huge }) })),
    ).toBe(
      `timestamp.json of ${NOTARY_01.gun} is larger than the 1048576 bytes Gatehouse accepts for it`,
    );
    const limits: number[] = [];
    const spy = fixtureFetcher(NOTARY_01);
    await resolveSignedTag(
      notary01({ fetchRole: (role, maxBytes) => (limits.push(maxBytes), spy(role, maxBytes)) }),
    );
    expect(limits).toEqual([1 << 20, 1 << 20, 488, 439]);

    const notJson = Buffer.from('<html>502 Bad Gateway</html>');
    expect(
      await reasonOf(notary01({ fetchRole: fixtureFetcher(NOTARY_01, { root: notJson }) })),
    ).toMatch(/^root\.json is not valid JSON \(Unexpected token/);
    const notUtf8 = Buffer.from([0x7b, 0xff, 0x7d]);
    expect(
      await reasonOf(notary01({ fetchRole: fixtureFetcher(NOTARY_01, { root: notUtf8 }) })),
    ).toMatch(/^root\.json is not valid JSON/);
    const noRoles = Buffer.from(
      JSON.stringify({
        signed: { _type: 'Root', version: 1, expires: '2116-01-01T00:00:00Z', keys: {} },
        signatures: [],
      }),
    );
    expect(
      await reasonOf(notary01({ fetchRole: fixtureFetcher(NOTARY_01, { root: noRoles }) })),
    ).toBe('root.json is malformed: roles: Invalid input: expected object, received undefined');
    const timestampAsRoot = metadata(NOTARY_01, 'timestamp');
    expect(
      await reasonOf(notary01({ fetchRole: fixtureFetcher(NOTARY_01, { root: timestampAsRoot }) })),
    ).toMatch(/^root\.json is malformed: _type: Invalid input: expected "Root"/);
    expect(
      await reasonOf(
        notary01({ fetchRole: fixtureFetcher(NOTARY_01, { root: Buffer.from('[]') }) }),
      ),
    ).toMatch(
      /^root\.json is not signed TUF metadata: \(top level\): Invalid input: expected object, received array/,
    );
  });
});

describe('resolveSignedTag on notary0.3 (with a targets/releases delegation)', () => {
  const notary03 = (overrides: Partial<ResolveSignedTagInput> = {}): ResolveSignedTagInput => ({
    gun: NOTARY_03.gun,
    tag: 'hello',
    rootKey: NOTARY_03.rootKeyId,
    fetchRole: fixtureFetcher(NOTARY_03),
    now: TODAY,
    ...overrides,
  });

  it('rejects today: its root certificate expired on 2026-07-25', async () => {
    expect(await reasonOf(notary03())).toBe(
      `the root key ${NOTARY_03.rootKeyId} of ${NOTARY_03.gun} cannot be used: its root certificate expired on 2026-07-25T22:56:32.000Z; the publisher must rotate the root key (notary key rotate ${NOTARY_03.gun} root) and you must pin the new one`,
    );
  });

  it('resolves a tag from targets/releases and one from targets while the certificate was valid', async () => {
    expect(await resolveSignedTag(notary03({ now: IN_NOTARY_03_VALIDITY }))).toEqual({
      ok: true,
      // "hello" is the empty file.
      digest: 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      length: 0,
      signedBy: ['targets/releases'],
    });
    expect(
      await resolveSignedTag(notary03({ now: IN_NOTARY_03_VALIDITY, tag: 'LICENSE' })),
    ).toEqual({
      ok: true,
      ...LICENSE,
      signedBy: ['targets'],
    });
  });

  it('checks targets/releases against snapshot.json and its own signature', async () => {
    const releases = metadata(NOTARY_03, 'targets/releases');
    const changed = Buffer.from(releases.toString().replace('"length":0', '"length":1'));
    const fetchRole = fixtureFetcher(NOTARY_03, { 'targets/releases': changed });
    expect(await reasonOf(notary03({ now: IN_NOTARY_03_VALIDITY, fetchRole }))).toMatch(
      /^targets\/releases\.json does not match its sha256 hash in snapshot\.json \(hash mismatch\)/,
    );
  });
});
