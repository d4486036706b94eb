import { describe, expect, it } from 'vitest';
import {
  classifyRequest,
  goField,
  nameEffectOf,
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

/** A body as raw JSON text, so keys can repeat and be escaped as an attacker writes them. */
const raw = (text: string) => Buffer.from(text).toString('base64');

describe('create bodies read as dockerd (Go encoding/json) reads them', () => {
  it('finds the image under any spelling Go folds to Image', () => {
    for (const text of [
      '{"image":"evil/b:1"}',
      '{"IMAGE":"evil/b:1"}',
      '{"\\u0069mage":"evil/b:1"}',
      '{"iMaGe":"evil/b:1","Cmd":["sh"]}',
    ])
      expect(classifyRequest(req('POST', '/containers/create', raw(text)))).toEqual({
        kind: 'create',
        image: 'evil/b:1',
      });
  });

  it('refuses a body that spells the image twice: dockerd would take the last one', () => {
    for (const text of [
      '{"Image":"ok/a:1","image":"evil/b:1"}',
      '{"Image":"ok/a:1","IMAGE":"evil/b:1"}',
      '{"Image":"ok/a:1","\\u0069mage":"evil/b:1"}',
    ]) {
      const what = classifyRequest(req('POST', '/containers/create', raw(text)));
      expect(what.kind).toBe('malformed');
      expect(what).toMatchObject({
        reason: expect.stringContaining('spells Image more than once'),
      });
    }
    // Exact duplicates: JSON.parse and Go agree that the last one wins.
    expect(
      classifyRequest(
        req('POST', '/containers/create', raw('{"Image":"ok/a:1","Image":"evil/b:1"}')),
      ),
    ).toEqual({ kind: 'create', image: 'evil/b:1' });
  });

  it("folds as Go does: the long s and the Kelvin sign match ASCII, other look-alikes don't", () => {
    expect(goField({ ContainerSpec: 1 }, ['ContainerSpec']).value).toBe(1);
    expect(goField({ Containerſpec: 2 }, ['ContainerSpec']).value).toBe(2);
    expect(goField({ TasKTemplate: 3 }, ['TaskTemplate']).value).toBe(3);
    expect(goField({ ımage: 'x' }, ['Image']).value).toBeUndefined(); // dotless i
    expect(
      goField({ Image: 1, Containerſpec: 2, containerspec: 3 }, ['ContainerSpec']),
    ).toMatchObject({
      problem: expect.stringContaining('more than once'),
    });
  });
});

describe('every API call that can run an image is decided', () => {
  const service = (image: unknown, extra: Record<string, unknown> = {}) => ({
    Name: 'web',
    TaskTemplate: { ContainerSpec: { Image: image }, ...extra },
  });

  it('services: the task image, however its keys are spelled; a rollback; a plugin service', () => {
    expect(classifyRequest(req('POST', '/v1.41/services/create', service('evil/b:1')))).toEqual({
      kind: 'service',
      action: 'create',
      image: 'evil/b:1',
      rollback: false,
    });
    expect(
      classifyRequest(
        req(
          'POST',
          '/services/create',
          raw('{"tasktemplate":{"containerspec":{"image":"evil/b:1"}}}'),
        ),
      ),
    ).toMatchObject({ kind: 'service', image: 'evil/b:1' });
    expect(
      classifyRequest(
        req('POST', '/services/abc/update?version=3&rollback=previous', service('ok/a:1')),
      ),
    ).toEqual({
      kind: 'service',
      action: 'update',
      image: 'ok/a:1',
      service: 'abc',
      rollback: true,
    });
    expect(
      classifyRequest(
        req('POST', '/services/create', service(undefined, { Runtime: 'plugin', PluginSpec: {} })),
      ),
    ).toEqual({ kind: 'plugin', action: 'pull' });
    expect(
      classifyRequest(
        req(
          'POST',
          '/services/create',
          raw('{"TaskTemplate":{"ContainerSpec":{"Image":"a","image":"b"}}}'),
        ),
      ).kind,
    ).toBe('malformed');
    expect(classifyRequest(req('POST', '/services/create')).kind).toBe('malformed');
  });

  it('managed plugins: pull, create, enable, upgrade, set', () => {
    expect(
      classifyRequest(req('POST', '/v1.41/plugins/pull?remote=reg%3A5000%2Fp%3A1&name=p')),
    ).toEqual({
      kind: 'plugin',
      action: 'pull',
      remote: 'reg:5000/p:1',
    });
    expect(classifyRequest(req('POST', '/plugins/create?name=p'))).toEqual({
      kind: 'plugin',
      action: 'create',
    });
    for (const action of ['enable', 'set', 'upgrade'])
      expect(classifyRequest(req('POST', `/plugins/reg:5000/team/p:latest/${action}`))).toEqual({
        kind: 'plugin',
        action,
        plugin: 'reg:5000/team/p:latest',
      });
  });

  it('builds (classic and BuildKit) and swarm joins; build prune and cancel pass', () => {
    expect(classifyRequest(req('POST', '/v1.41/build?t=x'))).toEqual({
      kind: 'build',
      builder: 'classic',
    });
    expect(classifyRequest(req('POST', '/build?version=2'))).toEqual({
      kind: 'build',
      builder: 'buildkit',
    });
    expect(classifyRequest(req('POST', '/session'))).toEqual({
      kind: 'build',
      builder: 'buildkit',
    });
    expect(classifyRequest(req('POST', '/grpc'))).toEqual({ kind: 'build', builder: 'buildkit' });
    expect(classifyRequest(req('POST', '/swarm/join'))).toEqual({ kind: 'swarm-join' });
    expect(classifyRequest(req('POST', '/build/prune')).kind).toBe('pass');
    expect(classifyRequest(req('POST', '/build/cancel?id=1')).kind).toBe('pass');
  });

  it('matches container paths greedily, as the router does: the segment may hold a slash', () => {
    expect(classifyRequest(req('POST', '/containers/a%2Fb/start'))).toEqual({
      kind: 'container',
      action: 'start',
      container: 'a/b',
    });
  });
});

describe('nameEffectOf: what a request does to container names', () => {
  const effect = (method: string, uri: string, body?: unknown) => {
    const request = req(method, uri, body);
    return nameEffectOf(request, classifyRequest(request));
  };

  it('a container action resolves its segment; a named create and a rename bind a name', () => {
    expect(effect('POST', '/containers/web/start')).toEqual({ kind: 'resolve', name: 'web' });
    expect(effect('POST', '/containers/%2Fweb/exec')).toEqual({ kind: 'resolve', name: 'web' });
    expect(effect('POST', '/containers/create?name=%2Fweb', { Image: 'a' })).toEqual({
      kind: 'bind',
      name: 'web',
    });
    expect(effect('POST', '/v1.41/containers/abc/rename?name=web')).toEqual({
      kind: 'bind',
      name: 'web',
    });
    expect(effect('POST', '/containers/create', { Image: 'a' })).toBeUndefined();
    expect(effect('GET', '/containers/web/json')).toBeUndefined();
    expect(effect('POST', '/containers/web/stop')).toBeUndefined();
  });

  it('a name dockerd could read differently binds every name', () => {
    expect(effect('POST', '/containers/abc/rename?name=x&name=web')).toEqual({
      kind: 'bind',
      name: '*',
    });
    expect(effect('POST', '/containers/abc/rename?x=1;name=web')).toEqual({
      kind: 'bind',
      name: '*',
    });
  });
});
