import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RegistryCredentials } from '../../../../electron/engine/registry/docker-credentials.js';
import { MEDIA_TYPE } from '../../../../electron/engine/registry/oci-manifest.js';
import {
  RegistryClient,
  type RegistryClientOptions,
} from '../../../../electron/engine/registry/registry-client.js';
import { RegistryError } from '../../../../electron/engine/registry/registry-error.js';
import { FakeServer, registryError, sha256, type RecordedRequest } from './fake-registry.js';

const CONFIG = Buffer.from('{"architecture":"amd64","os":"linux"}');
const LAYER = Buffer.from('layer bytes');
const descriptor = (mediaType: string, bytes: Uint8Array, extra = {}) => ({
  mediaType,
  digest: sha256(bytes),
  size: bytes.length,
  ...extra,
});
const MANIFEST = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.ociManifest,
    config: descriptor('application/vnd.oci.image.config.v1+json', CONFIG),
    layers: [descriptor('application/vnd.oci.image.layer.v1.tar', LAYER)],
  }),
);
const MANIFEST_DIGEST = sha256(MANIFEST);
const SIG_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const SBOM_TYPE = 'application/spdx+json';
const REFERRERS = [
  descriptor(MEDIA_TYPE.ociManifest, Buffer.from('sig'), { artifactType: SIG_TYPE }),
  descriptor(MEDIA_TYPE.ociManifest, Buffer.from('sbom'), { artifactType: SBOM_TYPE }),
];
const indexOf = (manifests: unknown[]) =>
  Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE.ociIndex, manifests }));

const PASSWORD = 's3cret-pa55';
const USER = { kind: 'basic', username: 'ci', password: PASSWORD } as const;

let registry: FakeServer;
let storage: FakeServer;

beforeAll(async () => {
  [registry, storage] = await Promise.all([FakeServer.start(), FakeServer.start()]);
});
afterAll(async () => {
  await Promise.all([registry.close(), storage.close()]);
});
afterEach(() => {
  vi.useRealTimers();
});

function repo(
  options: RegistryClientOptions & { creds?: RegistryCredentials } = {},
  client = new RegistryClient({ credentials: async () => options.creds, ...options }),
) {
  return client.repository({ registry: registry.host, path: 'team/app' });
}

function serve(res: ServerResponse, bytes: Uint8Array, mediaType: string = MEDIA_TYPE.ociManifest) {
  res.writeHead(200, { 'content-type': mediaType }).end(bytes);
}

/** Rejects with a RegistryError of this kind whose message contains `message`. */
async function failure(promise: Promise<unknown>, kind: string, message: string | RegExp) {
  const error = await promise.then(
    () => expect.fail('expected a RegistryError'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RegistryError);
  expect(error).toMatchObject({ kind, registry: registry.host, repository: 'team/app' });
  expect((error as Error).message).toMatch(message);
  return error as RegistryError;
}

describe('manifests', () => {
  it('fetches by tag, accepting every manifest kind, and computes the digest', async () => {
    registry.reset((req, res) =>
      req.url === '/v2/team/app/manifests/v1' ? serve(res, MANIFEST) : res.writeHead(404).end(),
    );
    const manifest = await repo().getManifest('v1');
    expect(manifest).toMatchObject({
      kind: 'manifest',
      mediaType: MEDIA_TYPE.ociManifest,
      digest: MANIFEST_DIGEST,
      manifest: { layers: [{ digest: sha256(LAYER) }] },
    });
    expect(Buffer.from(manifest.bytes).equals(MANIFEST)).toBe(true);
    expect(registry.requests[0]?.headers.accept?.split(', ').sort()).toEqual(
      Object.values(MEDIA_TYPE).sort(),
    );
    await expect(repo().resolveTag('v1')).resolves.toBe(MANIFEST_DIGEST);
  });

  it('fetches by digest and rejects bytes of another digest', async () => {
    registry.reset((_req, res) => serve(res, MANIFEST));
    await expect(repo().getManifest(MANIFEST_DIGEST)).resolves.toMatchObject({
      digest: MANIFEST_DIGEST,
    });
    expect(registry.requests[0]?.url).toBe(`/v2/team/app/manifests/${MANIFEST_DIGEST}`);
    const other = sha256('other');
    await failure(
      repo().getManifest(other),
      'digest-mismatch',
      `manifest ${other}: the registry sent content whose digest is ${MANIFEST_DIGEST}`,
    );
  });

  it('rejects a Docker-Content-Digest that disagrees with the content', async () => {
    const claimed = sha256('x');
    registry.reset((_req, res) =>
      res
        .writeHead(200, {
          'content-type': MEDIA_TYPE.ociManifest,
          'docker-content-digest': claimed,
        })
        .end(MANIFEST),
    );
    await failure(repo().getTag('v1'), 'digest-mismatch', `labelled ${claimed} but`);
  });

  it('takes the media type from the manifest, else the Content-Type, and rejects what it cannot use', async () => {
    const cases: [string, string, string | RegExp][] = [
      ['{"schemaVersion":2,', MEDIA_TYPE.ociManifest, 'not valid JSON'],
      ['[1]', MEDIA_TYPE.ociManifest, 'not a JSON object'],
      ['{"schemaVersion":2,"config":{}}', MEDIA_TYPE.ociManifest, 'malformed at config.mediaType'],
      [
        '{"schemaVersion":2,"manifests":[{"mediaType":"x","digest":"sha256:0","size":1}]}',
        MEDIA_TYPE.ociIndex,
        'malformed at manifests.0.mediaType',
      ],
      [
        '{"schemaVersion":1}',
        'application/vnd.docker.distribution.manifest.v1+prettyjws',
        'schema 1',
      ],
      ['{"schemaVersion":2}', 'text/html', 'unsupported manifest media type: text/html'],
      [
        JSON.stringify({ mediaType: MEDIA_TYPE.ociIndex }),
        MEDIA_TYPE.ociManifest,
        `labels a ${MEDIA_TYPE.ociIndex} manifest as ${MEDIA_TYPE.ociManifest}`,
      ],
    ];
    for (const [body, contentType, message] of cases) {
      registry.reset((_req, res) => serve(res, Buffer.from(body), contentType));
      await failure(repo().getManifest('v1'), 'invalid-response', message);
    }
    // A generic Content-Type is fine when the manifest says what it is.
    const list = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE.dockerManifestList, manifests: [] }),
    );
    registry.reset((_req, res) => serve(res, list, 'application/json'));
    await expect(repo().getManifest('v1')).resolves.toMatchObject({
      kind: 'index',
      mediaType: MEDIA_TYPE.dockerManifestList,
    });
  });

  it('refuses a manifest over 4 MiB, with or without Content-Length', async () => {
    const big = Buffer.alloc(4 * 1024 * 1024 + 1, ' ');
    registry.reset((_req, res) => serve(res, big));
    await failure(
      repo().getManifest('v1'),
      'too-large',
      'tag "v1" is larger than the 4194304 bytes',
    );
    registry.reset((_req, res) => {
      res.writeHead(200, { 'content-type': MEDIA_TYPE.ociManifest });
      for (let i = 0; i < 5; i++) res.write(Buffer.alloc(1024 * 1024, ' '));
      res.end();
    });
    await failure(repo().getManifest('v1'), 'too-large', 'larger than');
  });

  it('reports a missing manifest as not-found, and a missing tag as undefined', async () => {
    registry.reset((_req, res) => registryError(res, 404, 'MANIFEST_UNKNOWN'));
    await failure(
      repo().getManifest('v2'),
      'not-found',
      `${registry.host}/team/app: tag "v2" not found (HTTP 404 MANIFEST_UNKNOWN)`,
    );
    await expect(repo().getTag('sha256-abc.sig')).resolves.toBeUndefined();
  });

  it('tells transient failures from protocol breaches', async () => {
    registry.reset((_req, res) => registryError(res, 503, 'UNAVAILABLE'));
    await failure(repo().getManifest('v1'), 'unreachable', 'answered HTTP 503 UNAVAILABLE');
    registry.reset((_req, res) => res.writeHead(429).end());
    await failure(repo().getManifest('v1'), 'unreachable', 'HTTP 429');
    registry.reset((_req, res) => res.writeHead(418).end());
    await failure(repo().getManifest('v1'), 'invalid-response', 'HTTP 418');
    // Only blob downloads follow redirects.
    registry.reset((_req, res) => res.writeHead(302, { location: `${storage.url}/m` }).end());
    await failure(repo().getManifest('v1'), 'invalid-response', 'HTTP 302');
  });

  it('refuses arguments that are neither tags nor digests', async () => {
    await expect(repo().getManifest('../x')).rejects.toThrow(TypeError);
    await expect(repo().getTag('sha256:abc')).rejects.toThrow('is not a tag');
    await expect(repo().getBlob('sha512:abc')).rejects.toThrow('is not a sha256 digest');
  });
});

describe('blobs', () => {
  it('fetches and verifies a blob', async () => {
    registry.reset((req, res) =>
      req.url === `/v2/team/app/blobs/${sha256(LAYER)}` ? res.end(LAYER) : res.end('wrong'),
    );
    const blob = await repo().getBlob(sha256(LAYER));
    expect(Buffer.from(blob).toString()).toBe('layer bytes');
    await failure(repo().getBlob(sha256('x')), 'digest-mismatch', `blob ${sha256('x')}`);
  });

  it("stops reading at the caller's limit", async () => {
    registry.reset((_req, res) => res.end(LAYER));
    await failure(
      repo().getBlob(sha256(LAYER), 5),
      'too-large',
      'larger than the 5 bytes accepted',
    );
  });

  it('follows redirects to storage, without the registry credentials', async () => {
    registry.reset((req, res) => {
      if (req.headers.authorization === undefined)
        res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
      else res.writeHead(307, { location: `${storage.url}/blob?sig=1` }).end();
    });
    storage.reset((_req, res) => res.end(LAYER));
    await expect(repo({ creds: USER }).getBlob(sha256(LAYER))).resolves.toHaveLength(LAYER.length);
    expect(storage.requests).toHaveLength(1);
    expect(storage.requests[0]?.url).toBe('/blob?sig=1');
    expect(storage.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('follows only a few redirects, and only to http(s)', async () => {
    registry.reset((_req, res) => res.writeHead(302, { location: 'file:///etc/passwd' }).end());
    await failure(repo().getBlob(sha256(LAYER)), 'invalid-response', 'not an http(s) URL');
    registry.reset((req, res) => res.writeHead(302, { location: req.url }).end());
    await failure(repo().getBlob(sha256(LAYER)), 'invalid-response', 'more than 5 redirects');
  });
});

describe('network failures', () => {
  it('gives up after the timeout, whether headers or body are late', async () => {
    registry.reset(() => {}); // never answers
    await failure(
      repo({ timeoutMs: 200 }).getManifest('v1'),
      'unreachable',
      `no complete answer for tag "v1" from ${registry.host} within 200 ms`,
    );
    registry.reset((_req, res) => {
      res.writeHead(200, { 'content-type': MEDIA_TYPE.ociManifest });
      res.write('{');
    });
    await failure(repo({ timeoutMs: 200 }).getManifest('v1'), 'unreachable', 'within 200 ms');
  });

  it('reports a body cut short and a closed port', async () => {
    registry.reset((_req, res) => {
      res.writeHead(200, { 'content-length': 1000 });
      res.write(Buffer.alloc(10, ' '), () => res.destroy());
    });
    await failure(repo().getBlob(sha256(LAYER)), 'unreachable', 'could not fetch blob');
    const closed = await FakeServer.start();
    await closed.close();
    const error = await new RegistryClient({ credentials: async () => undefined })
      .repository({ registry: closed.host, path: 'team/app' })
      .getManifest('v1')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      kind: 'unreachable',
      message: expect.stringMatching(/ECONNREFUSED/),
    });
  });
});

describe('referrers', () => {
  const API = `/v2/team/app/referrers/${MANIFEST_DIGEST}`;
  const TAG = `/v2/team/app/manifests/sha256-${MANIFEST_DIGEST.slice(7)}`;

  it('uses the referrers API and filters by artifact type even if the registry does not', async () => {
    registry.reset((req, res) =>
      req.url.startsWith(API)
        ? serve(res, indexOf(REFERRERS), MEDIA_TYPE.ociIndex)
        : res.writeHead(500).end(),
    );
    const all = await repo().getReferrers(MANIFEST_DIGEST);
    expect(all).toEqual({ descriptors: REFERRERS, source: 'referrers-api' });
    const sigs = await repo().getReferrers(MANIFEST_DIGEST, SIG_TYPE);
    expect(sigs.descriptors).toEqual([REFERRERS[0]]);
    expect(registry.requests[1]?.url).toBe(`${API}?artifactType=${encodeURIComponent(SIG_TYPE)}`);
  });

  it('follows pages on the same registry', async () => {
    registry.reset((req, res) => {
      if (req.url === API)
        res
          .writeHead(200, {
            'content-type': MEDIA_TYPE.ociIndex,
            link: `<${API}?page=2>; rel="next"`,
          })
          .end(indexOf([REFERRERS[0]]));
      else serve(res, indexOf([REFERRERS[1]]), MEDIA_TYPE.ociIndex);
    });
    await expect(repo().getReferrers(MANIFEST_DIGEST)).resolves.toEqual({
      descriptors: REFERRERS,
      source: 'referrers-api',
    });
    registry.reset((_req, res) =>
      res
        .writeHead(200, {
          'content-type': MEDIA_TYPE.ociIndex,
          link: '<http://elsewhere.example/x>; rel="next"',
        })
        .end(indexOf([])),
    );
    await failure(repo().getReferrers(MANIFEST_DIGEST), 'invalid-response', 'another host');
  });

  it('falls back to the sha256-<hex> tag when the API answers 404', async () => {
    registry.reset((req, res) =>
      req.url === TAG
        ? serve(res, indexOf(REFERRERS), MEDIA_TYPE.ociIndex)
        : res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found'),
    );
    await expect(repo().getReferrers(MANIFEST_DIGEST, SBOM_TYPE)).resolves.toEqual({
      descriptors: [REFERRERS[1]],
      source: 'referrers-tag',
    });
    expect(registry.requests.map((r) => r.url)).toEqual([
      `${API}?artifactType=${encodeURIComponent(SBOM_TYPE)}`,
      TAG,
    ]);

    registry.reset((_req, res) => registryError(res, 404, 'MANIFEST_UNKNOWN'));
    await expect(repo().getReferrers(MANIFEST_DIGEST)).resolves.toEqual({
      descriptors: [],
      source: 'referrers-tag',
    });

    registry.reset((req, res) =>
      req.url === TAG ? serve(res, MANIFEST) : res.writeHead(404).end(),
    );
    await failure(
      repo().getReferrers(MANIFEST_DIGEST),
      'invalid-response',
      'is not an image index',
    );
  });
});

describe('authentication', () => {
  /** A registry behind a token service at /token, which issues `tok-N` for any request. */
  function tokenRegistry(
    options: { expiresIn?: number; accept?: (token: string) => boolean } = {},
  ) {
    let issued = 0;
    registry.reset((req, res) => {
      const token = /^Bearer (.*)$/.exec(req.headers.authorization ?? '')?.[1];
      if (req.url.startsWith('/token'))
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ token: `tok-${++issued}`, expires_in: options.expiresIn ?? 300 }));
      else if (token === undefined || !(options.accept ?? (() => true))(token))
        res
          .writeHead(401, {
            'www-authenticate': `Bearer realm="${registry.url}/token",service="fake",scope="repository:team/app:pull"`,
          })
          .end();
      else serve(res, MANIFEST);
    });
    return registry.requests;
  }
  const tokenRequests = (requests: RecordedRequest[]) =>
    requests.filter((r) => r.url.startsWith('/token'));

  it('answers a Bearer challenge anonymously, then reuses the token', async () => {
    const requests = tokenRegistry();
    const repository = repo();
    await repository.getManifest('v1');
    await repository.getManifest('v1');
    const tokens = tokenRequests(requests);
    expect(tokens).toHaveLength(1);
    const url = new URL(tokens[0]?.url ?? '', registry.url);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      service: 'fake',
      scope: 'repository:team/app:pull',
    });
    expect(tokens[0]?.headers.authorization).toBeUndefined();
    expect(requests.map((r) => r.headers.authorization)).toEqual([
      undefined,
      undefined,
      'Bearer tok-1',
      'Bearer tok-1',
    ]);
  });

  it('sends Basic credentials to the token service, and an identity token as a refresh grant', async () => {
    let requests = tokenRegistry();
    await repo({ creds: USER }).getManifest('v1');
    expect(tokenRequests(requests)[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from(`ci:${PASSWORD}`).toString('base64')}`,
    );
    requests = tokenRegistry();
    await repo({ creds: { kind: 'identity-token', identityToken: 'id-tok' } }).getManifest('v1');
    const [grant] = tokenRequests(requests);
    expect(grant?.method).toBe('POST');
    expect(Object.fromEntries(new URLSearchParams(grant?.body))).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'id-tok',
      client_id: 'gatehouse',
      scope: 'repository:team/app:pull',
      service: 'fake',
    });
  });

  it('fetches a new token shortly before the old one expires, and when it is refused', async () => {
    const requests = tokenRegistry({ expiresIn: 60 });
    vi.useFakeTimers({ toFake: ['Date'] });
    const repository = repo();
    await repository.getManifest('v1');
    vi.setSystemTime(Date.now() + 50_000);
    await repository.getManifest('v1');
    expect(tokenRequests(requests)).toHaveLength(1);
    vi.setSystemTime(Date.now() + 5_000); // 55 s: within the 6 s margin
    await repository.getManifest('v1');
    expect(tokenRequests(requests)).toHaveLength(2);

    // A token the registry no longer accepts is replaced once.
    vi.useRealTimers();
    const refused = new Set<string>();
    const later = tokenRegistry({ accept: (token) => !refused.has(token) });
    const fresh = repo();
    await fresh.getManifest('v1');
    refused.add('tok-1');
    await fresh.getManifest('v1');
    expect(later.map((r) => r.headers.authorization)).toEqual([
      undefined,
      undefined,
      'Bearer tok-1',
      'Bearer tok-1',
      undefined,
      'Bearer tok-2',
    ]);
  });

  it('shares one token fetch between concurrent requests', async () => {
    const requests = tokenRegistry();
    const repository = repo();
    await Promise.all([
      repository.getManifest('v1'),
      repository.getManifest('v1'),
      repository.getManifest('v1'),
    ]);
    expect(tokenRequests(requests)).toHaveLength(1);
  });

  it('answers a Basic challenge with the credentials, and keeps sending them', async () => {
    registry.reset((req, res) =>
      req.headers.authorization === `Basic ${Buffer.from(`ci:${PASSWORD}`).toString('base64')}`
        ? serve(res, MANIFEST)
        : res.writeHead(401, { 'www-authenticate': 'Basic realm="registry"' }).end(),
    );
    const repository = repo({ creds: USER });
    await repository.getManifest('v1');
    await repository.getManifest('v1');
    expect(registry.requests).toHaveLength(3);
    await failure(
      repo().getManifest('v1'),
      'unauthorized',
      `and none for ${registry.host} were found`,
    );
  });

  it('says who was refused, and never shows the secrets', async () => {
    registry.reset((req, res) => {
      if (req.url.startsWith('/token'))
        res.writeHead(200).end(JSON.stringify({ access_token: 'secret-token' }));
      else res.writeHead(401, { 'www-authenticate': `Bearer realm="${registry.url}/token"` }).end();
    });
    const withCreds = await failure(
      repo({ creds: USER }).getManifest('v1'),
      'unauthorized',
      `access to tag "v1" denied with the credentials for ${registry.host} (HTTP 401)`,
    );
    const shown = JSON.stringify({
      ...withCreds,
      message: withCreds.message,
      stack: withCreds.stack,
    });
    expect(shown).not.toContain(PASSWORD);
    expect(shown).not.toContain('secret-token');
    await failure(
      repo().getManifest('v1'),
      'unauthorized',
      'denied without credentials (none found for',
    );

    registry.reset((_req, res) => registryError(res, 403, 'DENIED'));
    await failure(
      repo().getManifest('v1'),
      'unauthorized',
      'access to tag "v1" denied (HTTP 403 DENIED)',
    );
  });

  it('reports a token service that refuses, fails or sends no token', async () => {
    const challenge = (realm: string) => (_req: RecordedRequest, res: ServerResponse) => {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm}"` }).end();
    };
    const cases: [(res: ServerResponse) => void, string, string][] = [
      [(res) => res.writeHead(401).end(), 'unauthorized', 'refused the credentials for'],
      [(res) => res.writeHead(502).end(), 'unreachable', 'answered HTTP 502'],
      [(res) => res.writeHead(200).end('<html>'), 'invalid-response', 'sent no usable token'],
      [
        (res) => res.writeHead(200).end('{"token":"a\\r\\nX-Evil: 1"}'),
        'invalid-response',
        'no usable token',
      ],
    ];
    for (const [answer, kind, message] of cases) {
      registry.reset((req, res) => {
        if (req.url.startsWith('/token')) answer(res);
        else challenge(`${registry.url}/token`)(req, res);
      });
      await failure(repo({ creds: USER }).getManifest('v1'), kind, message);
    }
    registry.reset(challenge('ftp://example/token'));
    await failure(
      repo().getManifest('v1'),
      'unauthorized',
      'token service (realm) is not an http(s) URL',
    );
    registry.reset((_req, res) => res.writeHead(401).end());
    await failure(repo().getManifest('v1'), 'unauthorized', 'without a WWW-Authenticate challenge');
    registry.reset((_req, res) => res.writeHead(401, { 'www-authenticate': 'Negotiate' }).end());
    await failure(
      repo().getManifest('v1'),
      'unauthorized',
      'unsupported authentication (negotiate)',
    );
  });

  it('reports credentials that cannot be read', async () => {
    tokenRegistry();
    const client = new RegistryClient({
      credentials: () => Promise.reject(new Error('docker-credential-x is not on the PATH')),
    });
    await failure(
      repo({}, client).getManifest('v1'),
      'unauthorized',
      `could not get the credentials for ${registry.host}: docker-credential-x is not on the PATH`,
    );
  });
});
