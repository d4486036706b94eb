import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { TrustAnchor } from '../../shared/api/trust-schemas.js';
import type { Digest } from '../../shared/digest.js';
import { parseImageReference } from '../../shared/image-reference.js';
import { RegistryClient } from '../../electron/engine/registry/registry-client.js';
import { notationValidator } from '../../electron/engine/signatures/notation/notation-validator.js';
import { connectDockerd } from '../env/dockerd.js';
import { importImage, pushImage } from '../env/images.js';
import {
  LEAF_SUBJECT,
  createTestPki,
  pushNotationSignature,
  signCose,
  signJws,
  type TestPki,
} from '../env/notation-signer.js';
import { getManifest } from '../env/oci-push.js';

/**
 * The Notation validator over the real registry: envelopes made like `notation sign` makes
 * them, attached as referrers (through the referrers tag: this registry has no referrers API).
 */
let registry: string;
let pki: TestPki;

async function publish(path: string) {
  const dockerd = connectDockerd(inject('dockerdDir'));
  const ref = `${registry}/${path}:1`;
  await importImage(dockerd, ref);
  const digest = (await pushImage(dockerd, ref)) as Digest;
  const manifest = await getManifest({ host: registry, path }, digest);
  if (!manifest) throw new Error('pushed manifest not found');
  const target = { digest, size: manifest.bytes.length, mediaType: manifest.mediaType };
  return { ref, digest, target, repo: { host: registry, path } };
}

const verify = (
  ref: string,
  digest: Digest,
  anchor: Extract<TrustAnchor, { kind: 'notation' }>,
) => {
  const reference = parseImageReference(ref);
  return notationValidator.verify(
    { reference, digest, repository: new RegistryClient().repository(reference), now: new Date() },
    anchor,
  );
};

beforeAll(() => {
  registry = inject('registryHost');
  pki = createTestPki('ec');
});

describe('Notation signatures in a registry', () => {
  it('accepts a JWS or COSE signature chained to the trust store, with identity checked', async () => {
    const jws = await publish('notation/jws');
    await pushNotationSignature(
      jws.repo,
      jws.digest,
      signJws({ pki, target: jws.target }),
      'application/jose+json',
    );
    const anchor = {
      kind: 'notation' as const,
      certificates: pki.rootPem,
      trustedIdentities: ['*'],
    };
    expect(await verify(jws.ref, jws.digest, anchor)).toMatchObject({
      ok: true,
      signer: LEAF_SUBJECT,
    });
    expect(
      await verify(jws.ref, jws.digest, {
        ...anchor,
        trustedIdentities: [`x509.subject: ${LEAF_SUBJECT}`],
      }),
    ).toMatchObject({ ok: true });
    const stranger = await verify(jws.ref, jws.digest, {
      ...anchor,
      trustedIdentities: ['x509.subject: C=US, O=Someone Else, CN=release'],
    });
    expect(stranger.ok).toBe(false);

    const cose = await publish('notation/cose');
    await pushNotationSignature(
      cose.repo,
      cose.digest,
      signCose({ pki, target: cose.target }),
      'application/cose',
    );
    expect(await verify(cose.ref, cose.digest, anchor)).toMatchObject({ ok: true });
  });

  it('refuses an unsigned image, another trust store, and a signature for another image', async () => {
    const anchor = {
      kind: 'notation' as const,
      certificates: pki.rootPem,
      trustedIdentities: ['*'],
    };
    const unsigned = await publish('notation/unsigned');
    expect(await verify(unsigned.ref, unsigned.digest, anchor)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/no Notary Project signature/),
    });

    const other = createTestPki('ec');
    const signed = await publish('notation/other-root');
    await pushNotationSignature(
      signed.repo,
      signed.digest,
      signJws({ pki: other, target: signed.target }),
      'application/jose+json',
    );
    expect((await verify(signed.ref, signed.digest, anchor)).reason).toMatch(/trusted root/);

    // A valid envelope for image A attached to image B does not admit B.
    const a = await publish('notation/a');
    const b = await publish('notation/b');
    await pushNotationSignature(
      b.repo,
      b.digest,
      signJws({ pki, target: a.target }),
      'application/jose+json',
    );
    expect((await verify(b.ref, b.digest, anchor)).reason).toMatch(/digest differs/);
  });
});
