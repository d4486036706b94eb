import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parsePemCertificates } from '../../../../../electron/engine/signatures/cosign/certificate-chain.js';
import {
  keyFingerprint,
  parsePublicKey,
} from '../../../../../electron/engine/signatures/cosign/public-key.js';
import {
  SIMPLE_SIGNING_MEDIA_TYPE,
  verifyAnySimpleSigning,
  verifySimpleSigning,
  type CosignSignatureLayer,
  type ExpectedImage,
  type SimpleSigningTrustAnchor,
} from '../../../../../electron/engine/signatures/cosign/simple-signing.js';
import type { VerificationResult } from '../../../../../electron/engine/signatures/cosign/verification-result.js';
import {
  readCosignImageDir,
  readFixture,
  readFixtureText,
  readSignatureFile,
} from './cosign-fixtures.js';

const fixture = (name: string) => `containers-image-cosign/${name}`;
const key = (name: string) => parsePublicKey(readFixtureText(fixture(name)), name);
const certificates = (name: string) => parsePemCertificates(readFixtureText(fixture(name)), name);

const cosignPub = key('cosign.pub');
const cosign2Pub = key('cosign2.pub');
const rekorPub = key('rekor.pub');

const SAMPLE_REPOSITORY = '192.168.64.2:5000/cosign-signed-single-sample';
const GITHUB_OAUTH = 'https://github.com/login/oauth';

/** Verifies a `dir-img-*` fixture the way Gatehouse admits an image: any one signature. */
function verifyImageDir(
  dir: string,
  repository: string,
  anchor: SimpleSigningTrustAnchor,
): VerificationResult {
  const { digest, layers } = readCosignImageDir(dir);
  // Without a manifest there is no digest to admit: the image is refused before any
  // signature is looked at.
  if (digest === undefined) return { ok: false, reason: 'no manifest' };
  return verifyAnySimpleSigning(layers, { digest, repository }, anchor);
}

function rejected(result: VerificationResult): string {
  expect(result.ok).toBe(false);
  return result.ok ? '' : result.reason;
}

describe('legacy cosign signatures (containers-image-cosign fixtures)', () => {
  const keyAnchor = (publicKey = cosignPub): SimpleSigningTrustAnchor => ({
    kind: 'key',
    publicKey,
  });

  it('accepts dir-img-cosign-valid with cosign.pub', () => {
    const result = verifyImageDir('dir-img-cosign-valid', SAMPLE_REPOSITORY, keyAnchor());
    expect(result).toEqual({
      ok: true,
      digest: 'sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00',
      signer: keyFingerprint(cosignPub),
    });
  });

  it('rejects dir-img-cosign-valid with cosign2.pub: a different key', () => {
    const result = verifyImageDir('dir-img-cosign-valid', SAMPLE_REPOSITORY, keyAnchor(cosign2Pub));
    expect(rejected(result)).toMatch(
      `does not verify with the trusted key ${keyFingerprint(cosign2Pub)}: it was signed by a different key`,
    );
  });

  it('rejects dir-img-cosign-valid for another repository', () => {
    const result = verifyImageDir('dir-img-cosign-valid', '192.168.64.2:5000/other', keyAnchor());
    expect(rejected(result)).toBe(
      `the signature is for repository ${SAMPLE_REPOSITORY}, not 192.168.64.2:5000/other`,
    );
  });

  it('accepts dir-img-cosign-valid-2, both of whose signatures are valid', () => {
    const { digest, layers } = readCosignImageDir('dir-img-cosign-valid-2');
    expect(layers).toHaveLength(2);
    for (const layer of layers) {
      const result = verifySimpleSigning(
        layer,
        { digest: digest ?? '', repository: SAMPLE_REPOSITORY },
        keyAnchor(),
      );
      expect(result.ok).toBe(true);
    }
  });

  it('accepts dir-img-cosign-valid-with-tag: the signed reference carries a tag', () => {
    const result = verifyImageDir(
      'dir-img-cosign-valid-with-tag',
      '192.168.64.2:5000/skopeo-signed',
      keyAnchor(),
    );
    expect(result.ok).toBe(true);
    // The tag the admitted image was pulled by does not matter either.
    expect(
      verifyImageDir(
        'dir-img-cosign-valid-with-tag',
        '192.168.64.2:5000/skopeo-signed:v2',
        keyAnchor(),
      ).ok,
    ).toBe(true);
  });

  it('accepts dir-img-cosign-mixed: one unknown key, one valid signature', () => {
    const { digest, layers } = readCosignImageDir('dir-img-cosign-mixed');
    const expected = { digest: digest ?? '', repository: SAMPLE_REPOSITORY };
    expect(layers.map((layer) => verifySimpleSigning(layer, expected, keyAnchor()).ok)).toEqual([
      false,
      true,
    ]);
    expect(verifyAnySimpleSigning(layers, expected, keyAnchor()).ok).toBe(true);
  });

  it('rejects dir-img-cosign-modified-manifest: the payload names another digest', () => {
    const result = verifyImageDir(
      'dir-img-cosign-modified-manifest',
      SAMPLE_REPOSITORY,
      keyAnchor(),
    );
    expect(rejected(result)).toBe(
      'the signature was made for sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00, ' +
        'not sha256:d9dcafdb480aa7c475e91737b96925e45844213dcb0290b4a90017459121f71f',
    );
  });

  it('rejects dir-img-cosign-other-attachment: a text/plain layer is not a signature', () => {
    const result = verifyImageDir(
      'dir-img-cosign-other-attachment',
      SAMPLE_REPOSITORY,
      keyAnchor(),
    );
    expect(rejected(result)).toBe('the layer is a text/plain attachment, not a cosign signature');
  });

  it.each(['dir-img-cosign-no-manifest', 'dir-img-cosign-manifest-digest-error'])(
    'rejects %s: there is no manifest digest to admit',
    (dir) => {
      expect(readCosignImageDir(dir).digest).toBeUndefined();
      expect(rejected(verifyImageDir(dir, SAMPLE_REPOSITORY, keyAnchor()))).toBe('no manifest');
    },
  );

  it('rejects unknown-cosign-key.signature for the dir-img-cosign-valid manifest', () => {
    const layer = readSignatureFile(fixture('unknown-cosign-key.signature'));
    const { digest } = readCosignImageDir('dir-img-cosign-valid');
    const result = verifySimpleSigning(
      layer,
      { digest: digest ?? '', repository: SAMPLE_REPOSITORY },
      keyAnchor(),
    );
    expect(rejected(result)).toMatch('signed by a different key');
  });

  it('rejects an image with no signature at all', () => {
    const result = verifyAnySimpleSigning(
      [],
      { digest: `sha256:${'0'.repeat(64)}`, repository: SAMPLE_REPOSITORY },
      keyAnchor(),
    );
    expect(rejected(result)).toBe('the image has no cosign signature');
  });

  it('lists every reason when no signature is acceptable', () => {
    const { digest, layers } = readCosignImageDir('dir-img-cosign-mixed');
    const result = verifyAnySimpleSigning(
      layers,
      { digest: digest ?? '', repository: SAMPLE_REPOSITORY },
      keyAnchor(cosign2Pub),
    );
    expect(rejected(result)).toMatch(/^none of its 2 signatures is acceptable: \(1\) .*; \(2\) /);
  });
});

describe('legacy cosign signatures with a Rekor bundle', () => {
  const KEY_REPOSITORY = '192.168.64.2:5000/cosign-signed/key-1';

  it('accepts dir-img-cosign-key-rekor-valid with cosign2.pub and rekor.pub', () => {
    const result = verifyImageDir('dir-img-cosign-key-rekor-valid', KEY_REPOSITORY, {
      kind: 'key',
      publicKey: cosign2Pub,
      rekorPublicKey: rekorPub,
    });
    expect(result).toEqual({
      ok: true,
      digest: 'sha256:0489474da8ea22426ece86ace6c1c0026ab2fd3cdfbbd62b7e94650266c37d9a',
      signer: keyFingerprint(cosign2Pub),
      signedAt: new Date(1674251859 * 1000),
    });
  });

  it('rejects dir-img-cosign-key-rekor-valid with cosign.pub', () => {
    const result = verifyImageDir('dir-img-cosign-key-rekor-valid', KEY_REPOSITORY, {
      kind: 'key',
      publicKey: cosignPub,
      rekorPublicKey: rekorPub,
    });
    expect(rejected(result)).toMatch('signed by a different key');
  });

  it('rejects dir-img-cosign-key-rekor-valid with another Rekor key', () => {
    const result = verifyImageDir('dir-img-cosign-key-rekor-valid', KEY_REPOSITORY, {
      kind: 'key',
      publicKey: cosign2Pub,
      rekorPublicKey: cosignPub,
    });
    expect(rejected(result)).toMatch(
      `the signature was logged by Rekor log c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d, ` +
        `not the trusted Rekor key ${keyFingerprint(cosignPub)}`,
    );
  });

  it('rejects a signature without a Rekor bundle when the policy names a Rekor key', () => {
    const result = verifyImageDir('dir-img-cosign-valid', SAMPLE_REPOSITORY, {
      kind: 'key',
      publicKey: cosignPub,
      rekorPublicKey: rekorPub,
    });
    expect(rejected(result)).toBe('the signature has no Rekor bundle, and the policy requires one');
  });

  it('rejects a Rekor bundle whose signed entry timestamp was altered', () => {
    const layer = withBundle(
      readCosignImageDir('dir-img-cosign-key-rekor-valid').layers[0],
      (b) => {
        b.Payload.integratedTime += 1;
      },
    );
    const result = verifySimpleSigning(layer, keyRekorImage(), {
      kind: 'key',
      publicKey: cosign2Pub,
      rekorPublicKey: rekorPub,
    });
    expect(rejected(result)).toBe(
      'the Rekor signed entry timestamp does not verify with the trusted Rekor key',
    );
  });

  it('rejects a Rekor bundle that logged a different signature', () => {
    // A valid signature over the same payload, with a Rekor bundle made for another one.
    const valid = readCosignImageDir('dir-img-cosign-key-rekor-valid').layers[0];
    const other = readCosignImageDir('dir-img-cosign-fulcio-rekor-valid').layers[0];
    if (!valid || !other) throw new Error('fixture layers missing');
    const layer = {
      ...valid,
      annotations: {
        ...valid.annotations,
        'dev.sigstore.cosign/bundle': other.annotations['dev.sigstore.cosign/bundle'] ?? '',
      },
    };
    const result = verifySimpleSigning(layer, keyRekorImage(), {
      kind: 'key',
      publicKey: cosign2Pub,
      rekorPublicKey: rekorPub,
    });
    expect(rejected(result)).toBe('the Rekor entry is for a different payload than the one signed');
  });

  function keyRekorImage(): ExpectedImage {
    return {
      digest: 'sha256:0489474da8ea22426ece86ace6c1c0026ab2fd3cdfbbd62b7e94650266c37d9a',
      repository: KEY_REPOSITORY,
    };
  }
});

interface RekorBundle {
  SignedEntryTimestamp: string;
  Payload: { body: string; integratedTime: number; logIndex: number; logID: string };
}

function withBundle(
  layer: CosignSignatureLayer | undefined,
  change: (bundle: RekorBundle) => void,
): CosignSignatureLayer {
  if (!layer) throw new Error('fixture layer missing');
  const bundle = JSON.parse(layer.annotations['dev.sigstore.cosign/bundle'] ?? '') as RekorBundle;
  change(bundle);
  return {
    ...layer,
    annotations: { ...layer.annotations, 'dev.sigstore.cosign/bundle': JSON.stringify(bundle) },
  };
}

describe('keyless legacy cosign signatures (Fulcio and Rekor)', () => {
  const FULCIO_REPOSITORY = '192.168.64.2:5000/cosign-signed/fulcio-rekor-1';
  const fulcioRoots = certificates('fulcio_v1.crt.pem');

  const fulcioAnchor = (
    overrides: Partial<Extract<SimpleSigningTrustAnchor, { kind: 'certificate' }>> = {},
  ): SimpleSigningTrustAnchor => ({
    kind: 'certificate',
    roots: fulcioRoots,
    identity: { exact: 'mitr@redhat.com' },
    issuer: GITHUB_OAUTH,
    rekorPublicKey: rekorPub,
    ...overrides,
  });

  it('accepts dir-img-cosign-fulcio-rekor-valid for mitr@redhat.com via GitHub', () => {
    const result = verifyImageDir(
      'dir-img-cosign-fulcio-rekor-valid',
      FULCIO_REPOSITORY,
      fulcioAnchor(),
    );
    expect(result).toEqual({
      ok: true,
      digest: 'sha256:0489474da8ea22426ece86ace6c1c0026ab2fd3cdfbbd62b7e94650266c37d9a',
      signer: 'mitr@redhat.com',
      issuer: GITHUB_OAUTH,
      signedAt: new Date(1674247893 * 1000),
    });
  });

  it('rejects it for another identity', () => {
    const result = verifyImageDir(
      'dir-img-cosign-fulcio-rekor-valid',
      FULCIO_REPOSITORY,
      fulcioAnchor({ identity: { exact: 'someone@redhat.com' } }),
    );
    expect(rejected(result)).toBe('signed by mitr@redhat.com, not "someone@redhat.com"');
  });

  it('rejects it for another issuer', () => {
    const result = verifyImageDir(
      'dir-img-cosign-fulcio-rekor-valid',
      FULCIO_REPOSITORY,
      fulcioAnchor({ issuer: 'https://accounts.google.com' }),
    );
    expect(rejected(result)).toBe(
      `the signer mitr@redhat.com was vouched for by ${GITHUB_OAUTH}, not https://accounts.google.com`,
    );
  });

  it('checks the signed claims and the issuer before the identity expression', () => {
    const { digest, layers } = readCosignImageDir('dir-img-cosign-fulcio-rekor-valid');
    if (digest === undefined) throw new Error('fixture manifest missing');
    const other = `sha256:${'1'.repeat(64)}`;
    const nobody = fulcioAnchor({ identity: { regex: 'nobody@example\\.com' } });
    expect(
      rejected(
        verifyAnySimpleSigning(layers, { digest: other, repository: FULCIO_REPOSITORY }, nobody),
      ),
    ).toBe(`the signature was made for ${digest}, not ${other}`);
    expect(
      rejected(
        verifyImageDir(
          'dir-img-cosign-fulcio-rekor-valid',
          FULCIO_REPOSITORY,
          fulcioAnchor({
            identity: { regex: 'nobody@example\\.com' },
            issuer: 'https://accounts.google.com',
          }),
        ),
      ),
    ).toBe(
      `the signer mitr@redhat.com was vouched for by ${GITHUB_OAUTH}, not https://accounts.google.com`,
    );
  });

  it('matches an identity regex against the whole identity', () => {
    const verify = (regex: string) =>
      verifyImageDir(
        'dir-img-cosign-fulcio-rekor-valid',
        FULCIO_REPOSITORY,
        fulcioAnchor({ identity: { regex } }),
      );
    expect(verify('.*@redhat\\.com').ok).toBe(true);
    expect(rejected(verify('redhat'))).toBe('signed by mitr@redhat.com, not /^redhat$/');
    expect(rejected(verify('mitr@redhat\\.co'))).toMatch('signed by mitr@redhat.com');
    expect(rejected(verify('(unclosed'))).toMatch(
      'identity expression /(unclosed/ is not an RE2 regular expression',
    );
  });

  it('checks the certificate at the Rekor time: without Rekor it has long expired', () => {
    const withoutRekor: SimpleSigningTrustAnchor = {
      kind: 'certificate',
      roots: fulcioRoots,
      identity: { exact: 'mitr@redhat.com' },
      issuer: GITHUB_OAUTH,
    };
    const result = verifyImageDir(
      'dir-img-cosign-fulcio-rekor-valid',
      FULCIO_REPOSITORY,
      withoutRekor,
    );
    expect(rejected(result)).toMatch(
      /^the certificate for email:mitr@redhat.com was valid from 2023-01-20T20:51:31.000Z to 2023-01-20T21:01:31.000Z, not at /,
    );
  });

  it('rejects a certificate from another CA', () => {
    const result = verifyImageDir(
      'dir-img-cosign-fulcio-rekor-valid',
      FULCIO_REPOSITORY,
      fulcioAnchor({ roots: certificates('pki_root_crts.pem') }),
    );
    expect(rejected(result)).toBe(
      'the signing certificate (issued by "O=sigstore.dev, CN=sigstore-intermediate") does not chain to a trusted root',
    );
  });

  it('rejects a key-signed image under a keyless policy', () => {
    const result = verifyImageDir('dir-img-cosign-valid', SAMPLE_REPOSITORY, fulcioAnchor());
    expect(rejected(result)).toMatch('has no dev.sigstore.cosign/certificate annotation');
  });

  it('accepts the keyless signature given in parts (fulcio-cert, fulcio-chain, rekor-*)', () => {
    const layer: CosignSignatureLayer = {
      mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
      payload: readFixture(fixture('rekor-payload')),
      annotations: {
        'dev.cosignproject.cosign/signature': readFixtureText(fixture('rekor-sig')),
        'dev.sigstore.cosign/certificate': readFixtureText(fixture('fulcio-cert')),
        'dev.sigstore.cosign/chain': readFixtureText(fixture('fulcio-chain')),
        'dev.sigstore.cosign/bundle': readFixtureText(fixture('rekor-set')),
      },
    };
    const image = {
      digest: 'sha256:fa93b01658e3a5a1686dc3ae55f170d8de487006fb53a28efcd12ab0710a2e5f',
      repository: '192.168.64.2:5000/test-repo-2100826901021538654/alpine',
    };
    expect(verifySimpleSigning(layer, image, fulcioAnchor())).toMatchObject({
      ok: true,
      signer: 'mitr@redhat.com',
      signedAt: new Date(1670870899 * 1000),
    });
    // The chain annotation supplies the intermediate: without it, nothing links to the root.
    const noChain = { ...layer.annotations };
    delete noChain['dev.sigstore.cosign/chain'];
    expect(
      rejected(verifySimpleSigning({ ...layer, annotations: noChain }, image, fulcioAnchor())),
    ).toMatch('does not chain to a trusted root');
  });
});

describe('legacy cosign signatures with a private PKI', () => {
  const PKI_REPOSITORY = 'localhost:5000/test';
  const pkiAnchor = (
    overrides: Partial<Extract<SimpleSigningTrustAnchor, { kind: 'certificate' }>> = {},
  ): SimpleSigningTrustAnchor => ({
    kind: 'certificate',
    roots: certificates('pki_root_crts.pem'),
    intermediates: certificates('pki_intermediate_crts.pem'),
    identity: { exact: 'qiwan@redhat.com' },
    ...overrides,
  });

  it('accepts dir-img-cosign-pki-valid for qiwan@redhat.com', () => {
    const result = verifyImageDir('dir-img-cosign-pki-valid', PKI_REPOSITORY, pkiAnchor());
    expect(result).toEqual({
      ok: true,
      digest: 'sha256:253c890b744fe3efa923b68e3a1be07bd007eb44ba29da1e7deb1d4c53b3e212',
      signer: 'qiwan@redhat.com',
    });
  });

  it('rejects it when the policy expects an OIDC issuer the certificate does not name', () => {
    const result = verifyImageDir(
      'dir-img-cosign-pki-valid',
      PKI_REPOSITORY,
      pkiAnchor({ issuer: GITHUB_OAUTH }),
    );
    expect(rejected(result)).toBe(
      `the signer qiwan@redhat.com was vouched for by no OIDC issuer, not ${GITHUB_OAUTH}`,
    );
  });

  it('rejects it with only the Fulcio root', () => {
    const result = verifyImageDir(
      'dir-img-cosign-pki-valid',
      PKI_REPOSITORY,
      pkiAnchor({ roots: certificates('fulcio_v1.crt.pem') }),
    );
    expect(rejected(result)).toMatch('does not chain to a trusted root');
  });

  it('checks validity at `now` when there is no Rekor time', () => {
    const { layers, digest } = readCosignImageDir('dir-img-cosign-pki-valid');
    const layer = layers[0];
    if (!layer || !digest) throw new Error('fixture missing');
    const result = verifySimpleSigning(layer, { digest, repository: PKI_REPOSITORY }, pkiAnchor(), {
      now: new Date('2053-01-01T00:00:00Z'),
    });
    expect(rejected(result)).toMatch(
      /was valid from .* to 2052-02-16T14:28:43.000Z, not at 2053-01-01/,
    );
  });
});

describe('legacy cosign signatures: malformed input', () => {
  const { digest, layers } = readCosignImageDir('dir-img-cosign-valid');
  const image: ExpectedImage = { digest: digest ?? '', repository: SAMPLE_REPOSITORY };
  const valid = layers[0];
  if (!valid) throw new Error('fixture layer missing');
  const anchor: SimpleSigningTrustAnchor = { kind: 'key', publicKey: cosignPub };

  it('rejects a layer with no signature annotation', () => {
    const result = verifySimpleSigning({ ...valid, annotations: {} }, image, anchor);
    expect(rejected(result)).toBe('the layer has no dev.cosignproject.cosign/signature annotation');
  });

  it('rejects a signature annotation that is not base64', () => {
    const result = verifySimpleSigning(
      { ...valid, annotations: { 'dev.cosignproject.cosign/signature': 'not base64!' } },
      image,
      anchor,
    );
    expect(rejected(result)).toBe(
      'the dev.cosignproject.cosign/signature annotation is not base64',
    );
  });

  it('rejects a payload changed after signing', () => {
    const payload = Buffer.from(valid.payload.toString().replace('single', 'double'));
    expect(rejected(verifySimpleSigning({ ...valid, payload }, image, anchor))).toMatch(
      'signed by a different key, or the payload was altered',
    );
  });

  it('rejects a malformed certificate annotation', () => {
    const result = verifySimpleSigning(
      {
        ...valid,
        annotations: {
          ...valid.annotations,
          'dev.sigstore.cosign/certificate':
            '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
        },
      },
      image,
      { kind: 'certificate', roots: [] as X509Certificate[], identity: { exact: 'x' } },
    );
    expect(rejected(result)).toMatch(/^the signing certificate: certificate 1 is malformed/);
  });
});
