import { describe, expect, it } from 'vitest';
import {
  registryOptionsFromDocker,
  type ConfigFiles,
} from '../../../../electron/engine/registry/docker-registry-config.js';

function files(tree: Record<string, string>): ConfigFiles {
  const paths = Object.keys(tree);
  return {
    exists: (p) => paths.some((f) => f === p || f.startsWith(`${p}/`)),
    read: (p) => tree[p] ?? '',
    list: (dir) => [
      ...new Set(
        paths
          .filter((f) => f.startsWith(`${dir}/`))
          .map((f) => f.slice(dir.length + 1).split('/')[0] ?? ''),
      ),
    ],
  };
}

describe('registry settings from the Docker engine', () => {
  it('follows insecure-registries and certs.d like docker pull', () => {
    const tree = files({
      '/etc/docker/daemon.json': JSON.stringify({
        'insecure-registries': ['registry.lan:5000', '10.0.0.0/8', 'http://old.lan'],
      }),
      '/etc/docker/certs.d/registry.corp:443/ca.crt': 'CA1',
      '/etc/docker/certs.d/registry.corp:443/client.cert': 'not a CA',
      '/home/dev/.docker/certs.d/registry.corp:443/extra.crt': 'CA2',
    });
    expect(registryOptionsFromDocker(['/etc/docker', '/home/dev/.docker'], tree)).toEqual({
      insecureRegistries: ['registry.lan:5000', 'old.lan'],
      registryCa: { 'registry.corp:443': 'CA1\nCA2' },
    });
  });

  it('ignores a daemon.json it cannot read, and no config at all', () => {
    expect(
      registryOptionsFromDocker(['/etc/docker'], files({ '/etc/docker/daemon.json': '{broken' })),
    ).toEqual({
      insecureRegistries: [],
      registryCa: {},
    });
    expect(registryOptionsFromDocker(['/nowhere'], files({}))).toEqual({
      insecureRegistries: [],
      registryCa: {},
    });
  });
});
