import { describe, expect, it } from 'vitest';
import {
  classifyRequest,
  pathOf,
  type AuthzRequest,
} from '../../../../electron/engine/authz/authz-protocol.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
const req = (method: string, uri: string, body?: unknown): AuthzRequest => ({
  RequestMethod: method,
  RequestURI: uri,
  ...(body === undefined ? {} : { RequestBody: typeof body === 'string' ? body : b64(body) }),
});

describe('classifyRequest', () => {
  it('reads the image of a create, with or without an API version and query', () => {
    for (const uri of [
      '/containers/create',
      '/v1.41/containers/create?x=1',
      '/v1/containers/create/',
    ])
      expect(classifyRequest(req('POST', uri, { Image: 'team/app:1', Cmd: ['sh'] }))).toEqual({
        kind: 'create',
        image: 'team/app:1',
      });
  });

  it("carries the create's name (docker run --name) when it is a valid container name", () => {
    const create = (uri: string) => classifyRequest(req('POST', uri, { Image: 'team/app:1' }));
    expect(create('/v1.41/containers/create?name=web-1')).toEqual({
      kind: 'create',
      image: 'team/app:1',
      name: 'web-1',
    });
    expect(create('/v1.41/containers/create?platform=&name=%2Fdb_2.x')).toMatchObject({
      name: 'db_2.x',
    });
    // Not a name dockerd would accept: not carried (the log shows none rather than junk).
    for (const bad of ['', '-x', 'a%20b', 'a%0Ab', 'a/b', `${'n'.repeat(256)}`])
      expect(create(`/containers/create?name=${bad}`)).not.toHaveProperty('name');
  });

  it('refuses a create it cannot read: no body, not base64 JSON, no image', () => {
    expect(classifyRequest(req('POST', '/v1.41/containers/create')).kind).toBe('malformed');
    expect(classifyRequest(req('POST', '/containers/create', '%%%')).kind).toBe('malformed');
    expect(classifyRequest(req('POST', '/containers/create', { Cmd: ['sh'] })).kind).toBe(
      'malformed',
    );
    expect(classifyRequest(req('POST', '/containers/create', { Image: 7 })).kind).toBe('malformed');
  });

  it('decides start, restart, unpause and exec by container, decoding its name', () => {
    for (const action of ['start', 'restart', 'unpause', 'exec'])
      expect(classifyRequest(req('POST', `/v1.41/containers/my%2Dapp/${action}?x=1`))).toEqual({
        kind: 'container',
        action,
        container: 'my-app',
      });
  });

  it('passes everything else: reads, stops, removals, pulls, other methods', () => {
    for (const [method, uri] of [
      ['GET', '/v1.41/containers/json'],
      ['GET', '/containers/create'],
      ['POST', '/v1.41/containers/abc/stop'],
      ['POST', '/v1.41/containers/abc/kill'],
      ['DELETE', '/v1.41/containers/abc'],
      ['POST', '/v1.41/images/create?fromImage=busybox'],
      ['POST', '/v1.41/containers/abc/start/extra'],
      ['HEAD', '/_ping'],
    ] as const)
      expect(classifyRequest(req(method, uri))).toEqual({ kind: 'pass' });
  });

  it('decides what the router of dockerd would route: encoded, doubled and dotted paths', () => {
    const body = { Image: 'evil/app:1' };
    for (const uri of [
      '/v1.41/containers%2Fcreate',
      '/v1.41//containers/create',
      '/v1.41/containers/x/../create',
      '/v1.41/%63ontainers/create',
      '/v1.41.0/containers/create',
    ])
      expect(classifyRequest(req('POST', uri, body))).toEqual({
        kind: 'create',
        image: 'evil/app:1',
      });
    expect(classifyRequest(req('POST', '/v1.41/containers/%zz/start')).kind).toBe('malformed');
    expect(classifyRequest(req('POST', 'containers/create', body)).kind).toBe('malformed');
  });

  it('strips only a version prefix from paths', () => {
    expect(pathOf('/v1.41/containers/create?name=a')).toBe('/containers/create');
    expect(pathOf('/version')).toBe('/version');
    expect(pathOf('/')).toBe('/');
  });
});
