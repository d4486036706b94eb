import { execFileSync } from 'node:child_process';
import { X509Certificate, constants, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Tag, encode } from 'cbor2';
import type { TargetDescriptor } from '../../electron/engine/signatures/notation/signature-payload.js';
import { pushReferrer, type Repo } from './oci-push.js';

const PAYLOAD_CONTENT_TYPE = 'application/vnd.cncf.notary.payload.v1+json';
export const LEAF_SUBJECT = 'C=US, ST=WA, L=Seattle, O=Gatehouse Test, CN=signer';

export interface TestPki {
  rootPem: string;
  leafKey: KeyObject;
  /** DER, signing certificate first, root last. */
  chain: Buffer[];
}

const OPENSSL_CONFIG = `
[req]
distinguished_name = dn
[dn]
[root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = codeSigning
[server]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
`;

const KEY_OPTIONS = {
  ec: '-newkey ec -pkeyopt ec_paramgen_curve:P-256',
  rsa: '-newkey rsa:2048',
};

/**
 * A root CA and a code signing certificate it issued, made with the openssl CLI in a temporary
 * directory; valid from now for a day. `leafProfile: 'server'` makes a TLS server leaf instead.
 */
export function createTestPki(
  keyType: 'ec' | 'rsa',
  leafProfile: 'leaf' | 'server' = 'leaf',
): TestPki {
  const dir = mkdtempSync(path.join(tmpdir(), 'gatehouse-notation-'));
  const file = (name: string) => path.join(dir, name);
  // Words of `command` are split on spaces; `subject` (which has spaces) is passed whole.
  const openssl = (command: string, subject?: string) =>
    execFileSync('openssl', [...command.split(' '), ...(subject === undefined ? [] : [subject])], {
      cwd: dir,
      stdio: 'pipe',
    });
  try {
    writeFileSync(file('openssl.cnf'), OPENSSL_CONFIG);
    const common = `-config openssl.cnf -nodes ${KEY_OPTIONS[keyType]}`;
    openssl(
      `req -x509 ${common} -extensions root -days 1 -keyout root.key -out root.crt -subj`,
      '/C=US/ST=WA/O=Gatehouse Test/CN=Test Root',
    );
    openssl(
      `req -new ${common} -keyout leaf.key -out leaf.csr -subj`,
      '/C=US/ST=WA/L=Seattle/O=Gatehouse Test/CN=signer',
    );
    openssl(
      'x509 -req -in leaf.csr -CA root.crt -CAkey root.key -CAcreateserial -days 1 ' +
        `-extfile openssl.cnf -extensions ${leafProfile} -out leaf.crt`,
    );
    const rootPem = readFileSync(file('root.crt'), 'utf8');
    const leafPem = readFileSync(file('leaf.crt'), 'utf8');
    return {
      rootPem,
      leafKey: createPrivateKey(readFileSync(file('leaf.key'))),
      chain: [new X509Certificate(leafPem).raw, new X509Certificate(rootPem).raw],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface SignOptions {
  pki: TestPki;
  target: TargetDescriptor;
  signingTime?: Date;
  expiry?: Date;
  /** Defaults to the key's algorithm. */
  alg?: string;
  /** Defaults to the headers the specification requires to be critical. */
  crit?: string[];
  /** More protected headers. */
  extra?: Record<string, unknown>;
  chain?: Buffer[];
}

const HASHES: Record<string, string> = { 256: 'sha256', 384: 'sha384', 512: 'sha512' };
const COSE_ALGORITHMS: Record<string, number> = { PS256: -37, ES256: -7, ES384: -35 };

function defaults(options: SignOptions) {
  const alg = options.alg ?? (options.pki.leafKey.asymmetricKeyType === 'ec' ? 'ES256' : 'PS256');
  const crit = options.crit ?? [
    'io.cncf.notary.signingScheme',
    ...(options.expiry === undefined ? [] : ['io.cncf.notary.expiry']),
  ];
  const payload = Buffer.from(JSON.stringify({ targetArtifact: options.target }));
  return { alg, crit, payload, signingTime: options.signingTime ?? new Date() };
}

function signBytes(alg: string, key: KeyObject, data: Uint8Array): Buffer {
  const hash = HASHES[alg.slice(2)] ?? 'sha256';
  return alg.startsWith('ES')
    ? sign(hash, data, { key, dsaEncoding: 'ieee-p1363' })
    : sign(hash, data, {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      });
}

/** A JWS envelope as `notation sign` writes it. */
export function signJws(options: SignOptions): Uint8Array {
  const { alg, crit, payload, signingTime } = defaults(options);
  const header = {
    alg,
    crit,
    cty: PAYLOAD_CONTENT_TYPE,
    'io.cncf.notary.signingScheme': 'notary.x509',
    'io.cncf.notary.signingTime': signingTime.toISOString(),
    ...(options.expiry && { 'io.cncf.notary.expiry': options.expiry.toISOString() }),
    ...options.extra,
  };
  const protectedPart = Buffer.from(JSON.stringify(header)).toString('base64url');
  const payloadPart = payload.toString('base64url');
  const signature = signBytes(
    alg,
    options.pki.leafKey,
    Buffer.from(`${protectedPart}.${payloadPart}`),
  );
  return Buffer.from(
    JSON.stringify({
      payload: payloadPart,
      protected: protectedPart,
      header: { x5c: (options.chain ?? options.pki.chain).map((der) => der.toString('base64')) },
      signature: signature.toString('base64url'),
    }),
  );
}

const epoch = (time: Date) => new Tag(1, Math.floor(time.getTime() / 1000));

/** A COSE_Sign1 envelope as `notation sign --signature-format cose` writes it. */
export function signCose(options: SignOptions): Uint8Array {
  const { alg, crit, signingTime, ...rest } = defaults(options);
  // A Buffer would be encoded through its toJSON(), not as a byte string.
  const payload = new Uint8Array(rest.payload);
  const header = new Map<unknown, unknown>([
    [1, COSE_ALGORITHMS[alg] ?? alg],
    [2, crit],
    [3, PAYLOAD_CONTENT_TYPE],
    ['io.cncf.notary.signingScheme', 'notary.x509'],
    ['io.cncf.notary.signingTime', epoch(signingTime)],
    ...(options.expiry ? [['io.cncf.notary.expiry', epoch(options.expiry)] as const] : []),
    ...Object.entries(options.extra ?? {}),
  ]);
  const protectedBytes = encode(header);
  const toBeSigned = encode(['Signature1', protectedBytes, new Uint8Array(0), payload]);
  const signature = signBytes(alg, options.pki.leafKey, toBeSigned);
  const unprotected = new Map<unknown, unknown>([
    [33, (options.chain ?? options.pki.chain).map((der) => new Uint8Array(der))],
    ['io.cncf.notary.signingAgent', 'gatehouse-test'],
  ]);
  return encode(new Tag(18, [protectedBytes, unprotected, payload, new Uint8Array(signature)]));
}

/** Attaches a signature envelope to an image as `notation sign` does: an OCI 1.1 referrer. */
export function pushNotationSignature(
  repo: Repo,
  imageDigest: string,
  envelope: Uint8Array,
  envelopeMediaType: 'application/jose+json' | 'application/cose',
): Promise<string> {
  return pushReferrer(repo, imageDigest, {
    artifactType: 'application/vnd.cncf.notary.signature',
    layerMediaType: envelopeMediaType,
    content: envelope,
  });
}
