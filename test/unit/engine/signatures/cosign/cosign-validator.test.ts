import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../../../../electron/engine/registry/registry-client.js';
import { cosignValidators } from '../../../../../electron/engine/signatures/cosign/cosign-validator.js';
import { SIMPLE_SIGNING_MEDIA_TYPE } from '../../../../../electron/engine/signatures/cosign/simple-signing.js';
import type { VerificationSubject } from '../../../../../electron/engine/signatures/signature-validator.js';
import type { TrustAnchor } from '../../../../../shared/api/trust-schemas.js';
import type { Digest } from '../../../../../shared/digest.js';
import { parseImageReference } from '../../../../../shared/image-reference.js';
import { FakeServer, sha256 } from '../../registry/fake-registry.js';
import {
  readFixture,
  readFixtureText,
  readSignatureFile,
  sha256Digest,
} from './cosign-fixtures.js';

// A real keyless cosign signature (Fulcio certificate, public-good Rekor SET), served by a
// fake registry over HTTP. The signature names its repository on 192.168.64.2:5000, so the
// validator reads the fake through an injected repository client while the reference it
// verifies for keeps the signed name.
const FIXTURE = 'containers-image-cosign/dir-img-cosign-fulcio-rekor-valid';
const SIGNED_REPOSITORY = '192.168.64.2:5000/cosign-signed/fulcio-rekor-1';
const GITHUB_OAUTH = 'https://github.com/login/oauth';

const manifest = readFixture(`${FIXTURE}/manifest.json`);
const digest = sha256Digest(manifest) as Digest;
const layer = readSignatureFile(`${FIXTURE}/signature-1`);
const sigManifest = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: sha256('{}'),
      size: 2,
    },
    layers: [
      {
        mediaType: layer.mediaType,
        digest: sha256(layer.payload),
        size: layer.payload.length,
        annotations: layer.annotations,
      },
    ],
  }),
);

let registry: FakeServer;

beforeAll(async () => {
  registry = await FakeServer.start();
  const routes = new Map<string, { bytes: Uint8Array; type: string }>([
    [`manifests/${digest}`, { bytes: manifest, type: JSON.parse(manifest.toString()).mediaType }],
    [
      `manifests/${digest.replace(':', '-')}.sig`,
      { bytes: sigManifest, type: 'application/vnd.oci.image.manifest.v1+json' },
    ],
    [`blobs/${sha256(layer.payload)}`, { bytes: layer.payload, type: 'application/octet-stream' }],
  ]);
  registry.reset((req, res) => {
    const route = routes.get(req.url.replace('/v2/cosign-signed/fulcio-rekor-1/', ''));
    if (route === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': route.type }).end(route.bytes);
  });
});
afterAll(async () => {
  await registry.close();
});

function subject(): VerificationSubject {
  return {
    reference: parseImageReference(`${SIGNED_REPOSITORY}@${digest}`),
    digest,
    repository: new RegistryClient({ credentials: async () => undefined }).repository({
      registry: registry.host,
      path: 'cosign-signed/fulcio-rekor-1',
    }),
    now: new Date(),
  };
}

interface PublicGoodRoot {
  certificateAuthorities: { validFor: { end?: string } }[];
  tlogs: { publicKey: { validFor: { end?: string } } }[];
}

const validators = cosignValidators({ platform: { os: 'linux', architecture: 'amd64' } });
const keyless = (
  overrides: Partial<Extract<TrustAnchor, { kind: 'cosign-keyless' }>> = {},
): Extract<TrustAnchor, { kind: 'cosign-keyless' }> => ({
  kind: 'cosign-keyless',
  identity: { exact: 'mitr@redhat.com' },
  issuer: GITHUB_OAUTH,
  ...overrides,
});

describe('cosign-keyless validator with a legacy keyless signature', () => {
  it('the fake serves the signature as a .sig layer', () => {
    expect(layer.mediaType).toBe(SIMPLE_SIGNING_MEDIA_TYPE);
  });

  it('accepts it with the public-good root that @sigstore/tuf ships (no root in the anchor)', async () => {
    expect(await validators['cosign-keyless'].verify(subject(), keyless())).toEqual({
      ok: true,
      signer: 'mitr@redhat.com',
      reason: `cosign signature by mitr@redhat.com (issuer ${GITHUB_OAUTH}) verified for ${SIGNED_REPOSITORY}@${digest}`,
    });
  });

  it('accepts it with the same root given in the anchor, and an identity regex', async () => {
    const anchor = keyless({
      identity: { regex: '.*@redhat\\.com' },
      trustedRoot: readFixtureText('sigstore-public-good/trusted_root.json'),
    });
    expect(await validators['cosign-keyless'].verify(subject(), anchor)).toMatchObject({
      ok: true,
      signer: 'mitr@redhat.com',
    });
  });

  it('rejects another identity, saying who signed', async () => {
    const verdict = await validators['cosign-keyless'].verify(
      subject(),
      keyless({ identity: { exact: 'someone@redhat.com' } }),
    );
    expect(verdict).toEqual({
      ok: false,
      reason: `no acceptable cosign signature for ${SIGNED_REPOSITORY}@${digest}: signature 1 of tag ${digest.replace(':', '-')}.sig: signed by mitr@redhat.com, not "someone@redhat.com"`,
    });
  });

  it('rejects another issuer', async () => {
    const verdict = await validators['cosign-keyless'].verify(
      subject(),
      keyless({ issuer: 'https://accounts.google.com' }),
    );
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toContain(
      `the signer mitr@redhat.com was vouched for by ${GITHUB_OAUTH}, not https://accounts.google.com`,
    );
  });

  /** The public-good root, changed. */
  const publicGoodWith = (change: (root: PublicGoodRoot) => void) => {
    const root = JSON.parse(readFixtureText('sigstore-public-good/trusted_root.json'));
    change(root);
    return JSON.stringify(root);
  };

  it('rejects it when the issuing CA was no longer trusted when Rekor logged it', async () => {
    // The CA that issued the certificate, as if retired at the end of 2022; signed in 2023.
    const retired = publicGoodWith((root) => {
      const issuing = root.certificateAuthorities[1];
      if (issuing) issuing.validFor.end = '2022-12-31T00:00:00Z';
    });
    const verdict = await validators['cosign-keyless'].verify(
      subject(),
      keyless({ trustedRoot: retired }),
    );
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toContain('does not chain to a trusted root');
  });

  it('rejects it when the Rekor log was not trusted when it logged it', async () => {
    const retired = publicGoodWith((root) => {
      const rekor = root.tlogs[0];
      if (rekor) rekor.publicKey.validFor.end = '2022-12-31T00:00:00Z';
    });
    const verdict = await validators['cosign-keyless'].verify(
      subject(),
      keyless({ trustedRoot: retired }),
    );
    expect(verdict.reason).toMatch(
      /signature 1 of tag .*: the trusted root does not trust Rekor log c0d23d6a[0-9a-f]+ at 2023-01-20T20:51:33.000Z, when it logged the signature$/,
    );
  });

  it('rejects it when the trusted root lacks the Rekor log that logged it', async () => {
    const verdict = await validators['cosign-keyless'].verify(
      subject(),
      keyless({ trustedRoot: publicGoodWith((root) => root.tlogs.splice(0, 1)) }),
    );
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toMatch(
      /logged by Rekor log c0d23d6a[0-9a-f]+, not the trusted Rekor key/,
    );
  });

  it('rejects it under a key anchor: it was signed with a certificate', async () => {
    const verdict = await validators['cosign-key'].verify(subject(), {
      kind: 'cosign-key',
      publicKey: readFixtureText('containers-image-cosign/cosign.pub'),
    });
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toContain('does not verify with the trusted key');
  });

  it('says so when the anchor cannot be used', async () => {
    const verdict = await validators['cosign-keyless'].verify(
      subject(),
      keyless({ trustedRoot: '{"mediaType": "not a root"}' }),
    );
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toMatch(
      /^the trust anchor is unusable: the trusted root is not a Sigstore trusted root/,
    );
  });
});
