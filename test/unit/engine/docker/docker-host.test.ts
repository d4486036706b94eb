import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  resolveDockerHost,
  type HostEnvironment,
} from '../../../../electron/engine/docker/docker-host.js';
import { defaultConfigDir } from '../../../../electron/engine/store/config-dir.js';

function hostEnv(
  files: Record<string, string>,
  env: Record<string, string> = {},
  platform: NodeJS.Platform = 'linux',
): HostEnvironment {
  return {
    env,
    platform,
    home: '/home/dev',
    exists: (p) => Object.keys(files).some((f) => f === p || f.startsWith(`${p}/`)),
    read: (p) => {
      const text = files[p];
      if (text === undefined) throw new Error(`ENOENT ${p}`);
      return text;
    },
  };
}

const contextId = (name: string) => createHash('sha256').update(name).digest('hex');

describe('which Docker engine', () => {
  it('prefers the option, then DOCKER_HOST', () => {
    const env = hostEnv({}, { DOCKER_HOST: 'tcp://10.0.0.1:2375' });
    expect(resolveDockerHost('unix:///tmp/d.sock', env)).toEqual({
      url: 'unix:///tmp/d.sock',
      source: 'option',
    });
    expect(resolveDockerHost(undefined, env)).toEqual({
      url: 'tcp://10.0.0.1:2375',
      source: 'DOCKER_HOST',
    });
  });

  it('refuses a host it cannot use, naming where it came from', () => {
    expect(() => resolveDockerHost('/var/run/docker.sock', hostEnv({}))).toThrow(
      /--docker-host is "\/var\/run\/docker.sock": expected unix:\/\//,
    );
    expect(() => resolveDockerHost(undefined, hostEnv({}, { DOCKER_HOST: 'localhost' }))).toThrow(
      /DOCKER_HOST/,
    );
  });

  it('follows the current docker context, with its TLS files', () => {
    const id = contextId('remote');
    const files = {
      '/home/dev/.docker/config.json': JSON.stringify({ currentContext: 'remote' }),
      [`/home/dev/.docker/contexts/meta/${id}/meta.json`]: JSON.stringify({
        Name: 'remote',
        Endpoints: { docker: { Host: 'tcp://build:2376' } },
      }),
      [`/home/dev/.docker/contexts/tls/${id}/docker/ca.pem`]: 'CA',
    };
    expect(resolveDockerHost(undefined, hostEnv(files))).toEqual({
      url: 'tcp://build:2376',
      source: 'context',
      tls: { ca: 'CA' },
    });
  });

  it('treats the default context as no context, and a missing one as an error', () => {
    expect(
      resolveDockerHost(
        undefined,
        hostEnv({ '/home/dev/.docker/config.json': '{"currentContext":"default"}' }),
      ).source,
    ).toBe('default');
    expect(() => resolveDockerHost(undefined, hostEnv({}, { DOCKER_CONTEXT: 'gone' }))).toThrow(
      /docker context "gone" is selected but/,
    );
  });

  it('falls back to the platform socket', () => {
    expect(resolveDockerHost(undefined, hostEnv({})).url).toBe('unix:///var/run/docker.sock');
    expect(
      resolveDockerHost(undefined, hostEnv({ '/home/dev/.docker/run/docker.sock': '' })).url,
    ).toBe('unix:///home/dev/.docker/run/docker.sock');
    expect(resolveDockerHost(undefined, hostEnv({}, {}, 'darwin')).url).toBe(
      'unix:///home/dev/.docker/run/docker.sock',
    );
    expect(resolveDockerHost(undefined, hostEnv({}, {}, 'win32')).url).toBe(
      'npipe:////./pipe/docker_engine',
    );
  });
});

describe("default config folder (the desktop app's userData)", () => {
  it("matches Electron's per-platform location", () => {
    expect(defaultConfigDir({}, 'linux', '/home/dev')).toBe('/home/dev/.config/Gatehouse');
    expect(defaultConfigDir({ XDG_CONFIG_HOME: '/x' }, 'linux', '/home/dev')).toBe('/x/Gatehouse');
    expect(defaultConfigDir({}, 'darwin', '/Users/dev')).toBe(
      '/Users/dev/Library/Application Support/Gatehouse',
    );
    expect(defaultConfigDir({ GATEHOUSE_CONFIG_DIR: '/etc/gh' }, 'linux', '/home/dev')).toBe(
      '/etc/gh',
    );
  });
});
