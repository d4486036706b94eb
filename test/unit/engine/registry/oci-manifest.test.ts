import { describe, expect, it } from 'vitest';
import { MEDIA_TYPE, parseManifest } from '../../../../electron/engine/registry/oci-manifest.js';
import { sha256 } from './fake-registry.js';

describe('parseManifest', () => {
  it('keeps annotations, subject and artifact type', () => {
    const subject = { mediaType: MEDIA_TYPE.ociManifest, digest: sha256('s'), size: 1 };
    const empty = { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256('{}'), size: 2 };
    const bytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        artifactType: 'application/vnd.example+json',
        config: empty,
        layers: [{ ...empty, annotations: { a: 'b' } }],
        subject,
        extra: 'ignored',
      }),
    );
    expect(parseManifest(bytes, `${MEDIA_TYPE.ociManifest}; charset=utf-8`)).toEqual({
      mediaType: MEDIA_TYPE.ociManifest,
      kind: 'manifest',
      manifest: {
        schemaVersion: 2,
        artifactType: 'application/vnd.example+json',
        config: empty,
        layers: [{ ...empty, annotations: { a: 'b' } }],
        subject,
      },
    });
  });

  it('refuses bytes that are not UTF-8 and media types it cannot show', () => {
    expect(() => parseManifest(Buffer.from([0x7b, 0xff, 0x7d]), MEDIA_TYPE.ociIndex)).toThrow(
      'not valid JSON',
    );
    expect(() => parseManifest(Buffer.from('{"mediaType":"a\\nb"}'), undefined)).toThrow(
      'unsupported manifest media type: no media type',
    );
    expect(() => parseManifest(Buffer.from('{"mediaType":1}'), undefined)).toThrow(
      '"mediaType" is not a string',
    );
  });
});
