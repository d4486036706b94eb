import { beforeAll, describe, expect, it } from 'vitest';
import {
  verifyNotationSignature,
  type NotationVerificationOptions,
} from '../../../../../electron/engine/signatures/notation/verify-notation-signature.js';
import { readSignedImage } from './notation-fixtures.js';
import {
  LEAF_SUBJECT,
  createTestPki,
  signJws,
  type TestPki,
} from '../../../../env/notation-signer.js';

const TARGET = {
  digest: `sha256:${'ab'.repeat(32)}`,
  size: 1234,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
};
const DAY = 24 * 60 * 60 * 1000;

let pki: TestPki;
let serverPki: TestPki;
beforeAll(() => {
  pki = createTestPki('ec');
  serverPki = createTestPki('ec', 'server');
});

function verifyJws(envelope: Uint8Array, options: Partial<NotationVerificationOptions> = {}) {
  return verifyNotationSignature({
    envelope,
    envelopeMediaType: 'application/jose+json',
    target: TARGET,
    trustStore: [pki.rootPem],
    trustedIdentities: ['*'],
    ...options,
  });
}

/** Edits the envelope's JSON (not what is signed, unless the edit says so). */
function editJws(envelope: Uint8Array, edit: (jws: Record<string, unknown>) => void): Uint8Array {
  const jws = JSON.parse(Buffer.from(envelope).toString('utf8')) as Record<string, unknown>;
  edit(jws);
  return Buffer.from(JSON.stringify(jws));
}

describe('JWS envelopes', () => {
  it('accepts an ES256 signature made as notation makes it', () => {
    expect(verifyJws(signJws({ pki, target: TARGET }))).toMatchObject({
      ok: true,
      signer: LEAF_SUBJECT,
    });
  });

  it('rejects a truncated envelope', () => {
    const [fixture] = readSignedImage('e2e-valid-signature').signatures;
    const bytes = fixture?.envelopeBytes ?? new Uint8Array();
    expect(verifyJws(bytes.subarray(0, 1000))).toEqual({
      ok: false,
      reason: 'the JWS envelope is not JSON',
    });
  });

  it('rejects a truncated or altered signature (integrity)', () => {
    const envelope = signJws({ pki, target: TARGET });
    const cut = editJws(envelope, (jws) => {
      jws['signature'] = String(jws['signature']).slice(0, 40);
    });
    expect(verifyJws(cut)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/does not match the signed content/),
    });
    const other = JSON.parse(
      Buffer.from(signJws({ pki, target: { ...TARGET, size: 1 } })).toString(),
    ) as {
      payload: string;
    };
    const swapped = editJws(envelope, (jws) => {
      jws['payload'] = other.payload;
    });
    expect(verifyJws(swapped)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/does not match the signed content/),
    });
  });

  it('rejects unsupported algorithms', () => {
    for (const alg of ['HS256', 'none', 'RS256']) {
      expect(verifyJws(signJws({ pki, target: TARGET, alg: 'ES256', extra: { alg } }))).toEqual({
        ok: false,
        reason: `signature algorithm "${alg}" is not supported (expected PS256, PS384, PS512, ES256, ES384 or ES512)`,
      });
    }
  });

  it('rejects an algorithm the key does not sign with', () => {
    expect(
      verifyJws(signJws({ pki, target: TARGET, alg: 'ES256', extra: { alg: 'PS256' } })),
    ).toEqual({
      ok: false,
      reason:
        "the signature says it uses PS256, but the signing certificate's key signs with ES256",
    });
  });

  it('rejects an unknown critical header, one that is absent, and plugin headers', () => {
    const scheme = 'io.cncf.notary.signingScheme';
    const unknown = signJws({
      pki,
      target: TARGET,
      crit: [scheme, 'acme.io/policy'],
      extra: { 'acme.io/policy': 1 },
    });
    expect(verifyJws(unknown)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(
        /critical header "acme.io\/policy", which Gatehouse does not understand/,
      ),
    });
    const absent = signJws({ pki, target: TARGET, crit: [scheme, 'acme.io/policy'] });
    expect(verifyJws(absent)).toEqual({
      ok: false,
      reason: 'critical header "acme.io/policy" is not in the protected header',
    });
    const plugin = signJws({
      pki,
      target: TARGET,
      crit: [scheme, 'io.cncf.notary.verificationPlugin'],
      extra: { 'io.cncf.notary.verificationPlugin': 'com.example.plugin' },
    });
    expect(verifyJws(plugin)).toEqual({
      ok: false,
      reason: 'the signature requires a notation verification plugin, which Gatehouse does not run',
    });
    expect(verifyJws(signJws({ pki, target: TARGET, crit: [] }))).toEqual({
      ok: false,
      reason: 'the signature has no "crit" header',
    });
  });

  it('rejects malformed parts with the field at fault', () => {
    const envelope = signJws({ pki, target: TARGET });
    const noChain = editJws(envelope, (jws) => {
      jws['header'] = {};
    });
    expect(verifyJws(noChain)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^the JWS envelope is malformed \(header.x5c: /),
    });
    const padded = editJws(envelope, (jws) => {
      jws['payload'] = `${String(jws['payload'])}=`;
    });
    expect(verifyJws(padded)).toEqual({
      ok: false,
      reason: 'the JWS envelope is malformed (payload: expected unpadded base64url)',
    });
    const badTime = signJws({
      pki,
      target: TARGET,
      extra: { 'io.cncf.notary.signingTime': 'yesterday' },
    });
    expect(verifyJws(badTime)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(
        /^the JWS protected header is malformed \(io.cncf.notary.signingTime: /,
      ),
    });
    const badCert = editJws(envelope, (jws) => {
      jws['header'] = { x5c: ['AAAA'] };
    });
    expect(verifyJws(badCert)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^certificate 1 of x5c is not a valid X.509 certificate/),
    });
  });

  it('rejects a payload that is not a Notary Project payload', () => {
    const envelope = signJws({ pki, target: TARGET, extra: { cty: 'application/json' } });
    expect(verifyJws(envelope)).toEqual({
      ok: false,
      reason: 'the signed payload is application/json, not a Notary Project payload',
    });
  });

  it('rejects an expiry that is not after the signing time', () => {
    const signingTime = new Date();
    expect(verifyJws(signJws({ pki, target: TARGET, signingTime, expiry: signingTime }))).toEqual({
      ok: false,
      reason: 'the signature expires before it was signed',
    });
  });

  it('rejects a signature whose certificate has expired, even with a timestamp attached', () => {
    const envelope = editJws(signJws({ pki, target: TARGET }), (jws) => {
      jws['header'] = { ...(jws['header'] as object), 'io.cncf.notary.timestampSignature': 'MAA=' };
    });
    const result = verifyJws(envelope, { now: new Date(Date.now() + 2 * DAY) });
    expect(result).toMatchObject({
      ok: false,
      reason: expect.stringMatching(
        /CN=signer" expired on .*, and the signature has an RFC 3161 timestamp, which Gatehouse does not verify, to prove/,
      ),
    });
    expect(verifyJws(envelope, { now: new Date(Date.now() - 2 * DAY) })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/CN=signer" is not valid until /),
    });
  });

  it('rejects a signing certificate that is not for code signing', () => {
    const envelope = signJws({ pki: serverPki, target: TARGET });
    expect(verifyJws(envelope, { trustStore: [serverPki.rootPem] })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(
        /CN=signer" is for server authentication \(extended key usage\), not code signing/,
      ),
    });
  });

  it('rejects a chain that does not end at its root', () => {
    const [leaf, root] = pki.chain as [Buffer, Buffer];
    const envelope = signJws({ pki, target: TARGET, chain: [leaf, root, root] });
    expect(verifyJws(envelope)).toEqual({
      ok: false,
      reason:
        'the self-signed certificate "C=US, ST=WA, O=Gatehouse Test, CN=Test Root" is not at the end of the chain',
    });
  });

  it('rejects a trust store that cannot vouch for the signature', () => {
    const envelope = signJws({ pki, target: TARGET });
    expect(verifyJws(envelope, { trustStore: ['not a certificate'] })).toEqual({
      ok: false,
      reason: 'trust store entry 1 holds no PEM certificate',
    });
    expect(verifyJws(envelope, { trustStore: [] })).toEqual({
      ok: false,
      reason: 'the trust store holds no certificate',
    });
    expect(verifyJws(envelope, { trustStoreType: 'signingAuthority' })).toEqual({
      ok: false,
      reason:
        'the signature uses signing scheme notary.x509, verified against an x509/ca trust store, but the trust store is x509/signingAuthority',
    });
  });

  it('accepts notary.x509.signingAuthority against its own trust store type', () => {
    const signingTime = new Date();
    const envelope = signJws({
      pki,
      target: TARGET,
      crit: ['io.cncf.notary.signingScheme', 'io.cncf.notary.authenticSigningTime'],
      extra: {
        'io.cncf.notary.signingScheme': 'notary.x509.signingAuthority',
        'io.cncf.notary.signingTime': undefined,
        'io.cncf.notary.authenticSigningTime': signingTime.toISOString(),
      },
    });
    expect(verifyJws(envelope, { trustStoreType: 'signingAuthority' })).toMatchObject({
      ok: true,
      signingScheme: 'notary.x509.signingAuthority',
    });
    // The authority vouches for the signing time: certificates must be valid then, not now.
    expect(
      verifyJws(envelope, {
        trustStoreType: 'signingAuthority',
        now: new Date(Date.now() + 2 * DAY),
      }),
    ).toMatchObject({ ok: true });
  });
});
