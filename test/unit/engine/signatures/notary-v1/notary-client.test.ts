import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoleNotFoundError } from '../../../../../electron/engine/signatures/notary-v1/fetch-role.js';
import { notaryRoleFetcher } from '../../../../../electron/engine/signatures/notary-v1/notary-client.js';
import { resolveSignedTag } from '../../../../../electron/engine/signatures/notary-v1/trust-resolver.js';
import { fixtureFetcher, NOTARY_01 } from './notary-fixtures.js';
import { TEST_CA, TEST_SERVER_CERT, TEST_SERVER_KEY } from './test-tls.js';

// A stand-in for notary-server: serves the notary0.1 fixture under its GUN, plus a few
// misbehaving paths.
const fixture = fixtureFetcher(NOTARY_01);
const PREFIX = `/v2/${NOTARY_01.gun}/_trust/tuf/`;
const requests: string[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer({ cert: TEST_SERVER_CERT, key: TEST_SERVER_KEY }, (req, res) => {
    const path = req.url ?? '';
    requests.push(path);
    const role = path.startsWith(PREFIX) ? path.slice(PREFIX.length, -'.json'.length) : '';
    if (role === 'targets/slow') return; // never answers
    if (role === 'targets/chunked') {
      res.writeHead(200); // no Content-Length: the client must count
      res.write(Buffer.alloc(600, ' '));
      res.end(Buffer.alloc(600, ' '));
    } else if (role === 'targets/cut') {
      res.writeHead(200, { 'content-length': 1000 });
      res.write(Buffer.alloc(10, ' '), () => res.destroy());
    } else if (role === 'targets/denied') res.writeHead(401).end();
    else if (role === 'targets/broken') res.writeHead(500).end();
    else
      fixture(role as 'root', Infinity).then(
        (body) => res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(body),
        () =>
          res
            .writeHead(404, { 'content-type': 'application/json' })
            .end('{"errors":[{"code":"METADATA_NOT_FOUND"}]}'),
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('notaryRoleFetcher', () => {
  it('fetches {server}/v2/{gun}/_trust/tuf/{role}.json, and the resolver accepts what it fetched', async () => {
    const fetchRole = notaryRoleFetcher({ server: `${url}/`, ca: TEST_CA }, NOTARY_01.gun);
    const result = await resolveSignedTag({
      gun: NOTARY_01.gun,
      tag: 'LICENSE',
      rootKey: NOTARY_01.rootKeyId,
      fetchRole,
      now: new Date('2020-01-01T00:00:00Z'),
    });
    expect(result).toMatchObject({ ok: true, length: 11309 });
    expect(requests.slice(-4)).toEqual(
      ['root', 'timestamp', 'snapshot', 'targets'].map((role) => `${PREFIX}${role}.json`),
    );
  });

  it('turns a 404 into RoleNotFoundError and other statuses into errors', async () => {
    const fetchRole = notaryRoleFetcher({ server: url, ca: TEST_CA }, NOTARY_01.gun);
    await expect(fetchRole('targets/missing', 1000)).rejects.toBeInstanceOf(RoleNotFoundError);
    await expect(fetchRole('targets/denied', 1000)).rejects.toThrow(
      'the trust server refused targets/denied.json (HTTP 401): it needs credentials',
    );
    await expect(fetchRole('targets/broken', 1000)).rejects.toThrow(
      'the trust server answered HTTP 500 for targets/broken.json',
    );
  });

  it('stops reading beyond maxBytes, with or without Content-Length', async () => {
    const fetchRole = notaryRoleFetcher({ server: url, ca: TEST_CA }, NOTARY_01.gun);
    await expect(fetchRole('root', 100)).rejects.toThrow(
      'the trust server sent more than the 100 bytes accepted for root.json',
    );
    await expect(fetchRole('targets/chunked', 1000)).rejects.toThrow(
      'more than the 1000 bytes accepted for targets/chunked.json',
    );
  });

  it('fails on a body cut short', async () => {
    const fetchRole = notaryRoleFetcher({ server: url, ca: TEST_CA }, NOTARY_01.gun);
    await expect(fetchRole('targets/cut', 1000)).rejects.toThrow(
      'the trust server closed the connection before targets/cut.json was complete',
    );
  });

  it('gives up after the timeout', async () => {
    const fetchRole = notaryRoleFetcher(
      { server: url, ca: TEST_CA, timeoutMs: 200 },
      NOTARY_01.gun,
    );
    await expect(fetchRole('targets/slow', 1000)).rejects.toThrow(
      'the trust server did not deliver targets/slow.json within 200 ms',
    );
  });

  it('trusts a self-hosted server only with its CA', async () => {
    const fetchRole = notaryRoleFetcher({ server: url }, NOTARY_01.gun);
    await expect(fetchRole('root', 1 << 20)).rejects.toThrow(/certificate/);
  });

  it('refuses plain http, odd GUNs and odd role names', () => {
    expect(() => notaryRoleFetcher({ server: 'http://127.0.0.1:4443' }, NOTARY_01.gun)).toThrow(
      'must be an https:// URL',
    );
    for (const gun of ['', '../x', 'a/../b', 'a//b', 'a/b?c', 'a b'])
      expect(() => notaryRoleFetcher({ server: url }, gun)).toThrow('is not a repository name');
    const fetchRole = notaryRoleFetcher({ server: url, ca: TEST_CA }, NOTARY_01.gun);
    return expect(fetchRole('targets/../../x' as 'targets', 10)).rejects.toThrow(
      'is not a TUF role name',
    );
  });
});
