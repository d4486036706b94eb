import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchange } from '../../../../electron/engine/registry/http-exchange.js';
import { TEST_CA, TEST_SERVER_CERT, TEST_SERVER_KEY } from '../signatures/notary-v1/test-tls.js';

// The client talks HTTPS to every registry that is not on loopback; loopback ones are plain
// HTTP, so TLS is exercised here, one level down.
const location = { registry: 'registry.example', repository: 'team/app' };
let server: Server;
let url: URL;

beforeAll(async () => {
  server = createServer({ cert: TEST_SERVER_CERT, key: TEST_SERVER_KEY }, (_req, res) =>
    res.end('ok'),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}/v2/`);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('exchange over https', () => {
  it('trusts a private registry through its CA', async () => {
    const res = await exchange(
      { url, headers: {}, ca: [TEST_CA], timeoutMs: 5000, maxBytes: 10 },
      location,
      'the API root',
    );
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('ok');
  });

  it('refuses it without', async () => {
    await expect(
      exchange({ url, headers: {}, timeoutMs: 5000, maxBytes: 10 }, location, 'the API root'),
    ).rejects.toMatchObject({
      kind: 'unreachable',
      message: expect.stringMatching(
        /^registry\.example\/team\/app: could not fetch the API root from 127\.0\.0\.1:\d+: .*certificate/,
      ),
    });
  });
});
