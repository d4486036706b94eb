import { describe, expect, it } from 'vitest';
import { MEDIA_TYPE } from '../../../../electron/engine/registry/oci-manifest.js';
import { selectPlatformManifest } from '../../../../electron/engine/registry/platform-manifest.js';
import { sha256 } from './fake-registry.js';

describe('selectPlatformManifest', () => {
  const entry = (
    architecture: string,
    variant?: string,
    os = 'linux',
    mediaType: string = MEDIA_TYPE.ociManifest,
  ) => ({
    mediaType,
    digest: sha256(`${os}/${architecture}/${variant ?? ''}`),
    size: 1,
    platform: { os, architecture, ...(variant !== undefined && { variant }) },
  });
  const index = {
    schemaVersion: 2 as const,
    manifests: [
      entry('amd64', undefined, 'linux', MEDIA_TYPE.ociIndex),
      entry('arm', 'v6'),
      entry('arm', 'v7'),
      entry('arm64'),
      entry('amd64', 'v3'),
      entry('amd64'),
      entry('amd64', undefined, 'windows'),
      entry('unknown', undefined, 'unknown'),
    ],
  };

  it('picks linux/amd64 by default, preferring no variant, and never a nested index', () => {
    expect(selectPlatformManifest(index)).toBe(index.manifests[5]);
    expect(selectPlatformManifest({ ...index, manifests: index.manifests.slice(0, 5) })).toBe(
      index.manifests[4],
    );
  });

  it('matches variants as containerd does', () => {
    expect(
      selectPlatformManifest(index, { os: 'linux', architecture: 'arm64', variant: 'v8' }),
    ).toBe(index.manifests[3]);
    expect(selectPlatformManifest(index, { os: 'linux', architecture: 'arm' })).toBe(
      index.manifests[2],
    );
    expect(selectPlatformManifest(index, { os: 'linux', architecture: 'arm', variant: 'v6' })).toBe(
      index.manifests[1],
    );
    expect(
      selectPlatformManifest(index, { os: 'linux', architecture: 'arm', variant: 'v5' }),
    ).toBeUndefined();
    expect(selectPlatformManifest(index, { os: 'windows', architecture: 'amd64' })).toBe(
      index.manifests[6],
    );
    expect(selectPlatformManifest(index, { os: 'linux', architecture: 's390x' })).toBeUndefined();
  });
});
