import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  resolveDockerHost,
  type HostEnvironment,
} from '../../../../electron/engine/docker/docker-host.js';
import {
  engineCandidates,
  kindOfSocket,
} from '../../../../electron/engine/docker/engine-candidates.js';
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

describe('finding an engine when nothing names one', () => {
  const linuxEnv = { XDG_RUNTIME_DIR: '/run/user/1000' };
  const found = (
    files: string[],
    env: Record<string, string> = linuxEnv,
    platform: NodeJS.Platform = 'linux',
  ) =>
    resolveDockerHost(
      undefined,
      hostEnv(Object.fromEntries(files.map((f) => [f, ''])), env, platform),
    ).url;

  it('lists every known engine per platform, in the documented order', () => {
    const home = '/home/dev';
    expect(engineCandidates({ platform: 'linux', home, env: linuxEnv })).toEqual([
      { url: 'unix:///var/run/docker.sock', kind: 'docker-engine' },
      { url: 'unix:///home/dev/.docker/desktop/docker.sock', kind: 'docker-desktop' },
      { url: 'unix:///home/dev/.docker/run/docker.sock', kind: 'docker-desktop' },
      { url: 'unix:///run/user/1000/podman/podman.sock', kind: 'podman' },
      { url: 'unix:///run/podman/podman.sock', kind: 'podman' },
      { url: 'unix:///home/dev/.colima/default/docker.sock', kind: 'colima' },
      { url: 'unix:///home/dev/.rd/docker.sock', kind: 'rancher-desktop' },
    ]);
    expect(
      engineCandidates({
        platform: 'darwin',
        home: '/Users/dev',
        env: { TMPDIR: '/var/folders/x/T/' },
      }),
    ).toEqual([
      { url: 'unix:///Users/dev/.docker/run/docker.sock', kind: 'docker-desktop' },
      { url: 'unix:///Users/dev/.orbstack/run/docker.sock', kind: 'orbstack' },
      { url: 'unix:///Users/dev/.colima/default/docker.sock', kind: 'colima' },
      { url: 'unix:///Users/dev/.rd/docker.sock', kind: 'rancher-desktop' },
      { url: 'unix:///var/folders/x/T/podman/podman-machine-default-api.sock', kind: 'podman' },
      {
        url: 'unix:///Users/dev/.local/share/containers/podman/machine/podman.sock',
        kind: 'podman',
      },
      {
        url: 'unix:///Users/dev/.local/share/containers/podman/machine/qemu/podman.sock',
        kind: 'podman',
      },
      { url: 'unix:///var/run/docker.sock', kind: 'docker-desktop' },
    ]);
    expect(engineCandidates({ platform: 'win32', home: 'C:\\Users\\dev', env: {} })).toEqual([
      { url: 'npipe:////./pipe/docker_engine', kind: 'docker-desktop' },
      { url: 'npipe:////./pipe/dockerDesktopLinuxEngine', kind: 'docker-desktop' },
      { url: 'npipe:////./pipe/podman-machine-default', kind: 'podman' },
    ]);
    // Without XDG_RUNTIME_DIR there is no rootless Podman socket to name.
    expect(
      engineCandidates({ platform: 'linux', home, env: {} }).some((c) =>
        c.url.includes('/run/user/'),
      ),
    ).toBe(false);
  });

  it('watches the first one that exists: Podman, Colima, Rancher Desktop, OrbStack', () => {
    expect(found(['/run/user/1000/podman/podman.sock'])).toBe(
      'unix:///run/user/1000/podman/podman.sock',
    );
    expect(found(['/run/podman/podman.sock', '/home/dev/.rd/docker.sock'])).toBe(
      'unix:///run/podman/podman.sock',
    );
    expect(found(['/home/dev/.colima/default/docker.sock'])).toBe(
      'unix:///home/dev/.colima/default/docker.sock',
    );
    expect(found(['/home/dev/.rd/docker.sock'])).toBe('unix:///home/dev/.rd/docker.sock');
    // The system's engine wins on Linux when both are there.
    expect(found(['/var/run/docker.sock', '/run/podman/podman.sock'])).toBe(
      'unix:///var/run/docker.sock',
    );
    expect(found(['/home/dev/.orbstack/run/docker.sock'], {}, 'darwin')).toBe(
      'unix:///home/dev/.orbstack/run/docker.sock',
    );
    expect(
      found(
        ['/home/dev/.docker/run/docker.sock', '/home/dev/.orbstack/run/docker.sock'],
        {},
        'darwin',
      ),
    ).toBe('unix:///home/dev/.docker/run/docker.sock');
    expect(
      kindOfSocket('unix:///home/dev/.rd/docker.sock', {
        platform: 'linux',
        home: '/home/dev',
        env: {},
      }),
    ).toBe('rancher-desktop');
    expect(
      kindOfSocket('tcp://build:2376', { platform: 'linux', home: '/home/dev', env: {} }),
    ).toBeUndefined();
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
