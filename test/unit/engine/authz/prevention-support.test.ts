import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dispatch, engineHandlers } from '../../../../electron/engine/api/api-handlers.js';
import {
  preventionPlugin,
  preventionUnsupported,
} from '../../../../electron/engine/authz/prevention-support.js';
import { realHostEnvironment } from '../../../../electron/engine/docker/docker-host.js';
import { Engine } from '../../../../electron/engine/engine.js';
import type { EngineStatus } from '../../../../shared/api/channels.js';

const LOCAL = 'unix:///var/run/docker.sock';
const SOCKET = '/run/gatehouse/authz.sock';
const REACTIVE = 'Gatehouse stops non-allowed containers right after they start';

describe('whether Docker can ask the authorization plugin here', () => {
  it('can on Linux with a local dockerd: a socket, or tcp:// on loopback', () => {
    for (const url of [LOCAL, 'unix:///tmp/x/docker.sock', 'tcp://127.0.0.1:2375'])
      expect(preventionUnsupported('linux', url)).toBeUndefined();
    expect(preventionUnsupported('linux', 'tcp://localhost:2375')).toBeUndefined();
    expect(preventionUnsupported('linux', 'tcp://[::1]:2375')).toBeUndefined();
    expect(preventionUnsupported('linux')).toBeUndefined();
  });

  it('cannot on macOS or Windows: Docker Desktop', () => {
    const reason = `Docker Desktop (macOS, Windows) cannot load authorization plugins: ${REACTIVE}`;
    expect(preventionUnsupported('darwin', 'unix:///Users/dev/.docker/run/docker.sock')).toBe(
      reason,
    );
    expect(preventionUnsupported('win32', 'npipe:////./pipe/docker_engine')).toBe(reason);
    // `gatehouse authz install` knows only the platform.
    expect(preventionUnsupported('darwin')).toBe(reason);
    expect(preventionUnsupported('freebsd', LOCAL)).toMatch(/need a Linux dockerd/);
  });

  it("cannot with Docker Desktop's sockets on Linux", () => {
    for (const url of [
      'unix:///home/dev/.docker/desktop/docker.sock',
      'unix:///home/dev/.docker/run/docker.sock',
    ])
      expect(preventionUnsupported('linux', url)).toBe(
        `Docker Desktop cannot load authorization plugins (its dockerd runs in a VM): ${REACTIVE}`,
      );
  });

  it('cannot for a Docker on another host, whatever the platform: the plugin would run there', () => {
    for (const [url, host] of [
      ['tcp://build:2376', 'build'],
      ['https://10.0.0.1:2376', '10.0.0.1'],
      ['ssh://dev@build', 'build'],
      ['ssh://dev@localhost', 'localhost'],
    ] as const) {
      const reason = preventionUnsupported('linux', url);
      expect(reason).toMatch(new RegExp(`^Docker runs on ${host}: .*on that host`));
      expect(reason).toContain(REACTIVE);
      expect(preventionUnsupported('darwin', url)).toBe(reason);
    }
  });

  it('is serving only when this process serves it and Docker can load it', () => {
    expect(preventionPlugin('linux', LOCAL, undefined)).toEqual({ state: 'off' });
    expect(preventionPlugin('linux', LOCAL, SOCKET)).toEqual({
      state: 'serving',
      socketPath: SOCKET,
    });
    // A plugin served on a Mac protects no Docker: the reason wins.
    expect(preventionPlugin('darwin', LOCAL, SOCKET)).toMatchObject({ state: 'unsupported' });
    expect(preventionPlugin('linux', 'ssh://dev@build', undefined)).toMatchObject({
      state: 'unsupported',
    });
  });
});

describe("the engine's status", () => {
  let configDir: string | undefined;
  afterEach(() => configDir && rmSync(configDir, { recursive: true, force: true }));

  function open(platform: NodeJS.Platform, dockerHost: string): Engine {
    configDir = mkdtempSync(join(tmpdir(), 'gh-prevention-support-'));
    return Engine.open({
      configDir,
      dockerHost,
      hostEnvironment: { ...realHostEnvironment(), platform },
    });
  }

  it('says off, then serving once the daemon marks the plugin served, through the API too', async () => {
    const engine = open('linux', 'unix:///nonexistent/docker.sock');
    expect(engine.status().prevention).toEqual({
      ask: false,
      builds: 'allow',
      plugin: { state: 'off' },
    });
    engine.markPreventionServed(SOCKET);
    const status = (await dispatch(engineHandlers(engine), 'status.get', {})) as EngineStatus;
    expect(status.prevention.plugin).toEqual({ state: 'serving', socketPath: SOCKET });
  });

  it('says unsupported, with the reason, for Docker Desktop on macOS', () => {
    const engine = open('darwin', 'unix:///Users/dev/.docker/run/docker.sock');
    engine.markPreventionServed(SOCKET);
    expect(engine.status().prevention.plugin).toEqual({
      state: 'unsupported',
      reason: `Docker Desktop (macOS, Windows) cannot load authorization plugins: ${REACTIVE}`,
    });
  });
});
