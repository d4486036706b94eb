import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TargetDescriptor } from '../../../../../electron/engine/signatures/notation/signature-payload.js';
import {
  NOTATION_ARTIFACT_TYPE,
  type NotationSignatureArtifact,
} from '../../../../../electron/engine/signatures/notation/verify-signature-manifests.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..');

/** notation's e2e test data, read in place from the shared fixtures (never copied here). */
const e2eDir = path.resolve(repoRoot, '../shared/fixtures/notation-e2e');

/** A trust store certificate from config/localkeys, as PEM text. */
export function localKey(name: string): string {
  return readFileSync(path.join(e2eDir, 'config/localkeys', name), 'utf8');
}

interface Descriptor extends TargetDescriptor {
  annotations?: Record<string, string>;
}

interface Manifest {
  artifactType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  subject?: Descriptor;
}

export interface SignedImage {
  /** The image manifest's descriptor, the one tagged `v1` in index.json. */
  target: TargetDescriptor;
  /** Every signature manifest whose subject is that image, with its envelope blob. */
  signatures: NotationSignatureArtifact[];
}

/**
 * Reads an OCI image layout from oci_layout/ the way a registry's referrers API would answer:
 * finds the image through index.json, then every blob that is a Notary Project signature
 * manifest of it (index.json does not list them all), then each one's envelope blob.
 */
export function readSignedImage(layout: string): SignedImage {
  const root = path.join(e2eDir, 'oci_layout', layout);
  const blob = (digest: string) => readFileSync(path.join(root, 'blobs', ...digest.split(':')));
  const index = JSON.parse(readFileSync(path.join(root, 'index.json'), 'utf8')) as {
    manifests: Descriptor[];
  };
  const image = index.manifests.find(
    (entry) => entry.annotations?.['org.opencontainers.image.ref.name'] === 'v1',
  );
  if (image === undefined) throw new Error(`${layout}: no image tagged v1`);
  const target = { digest: image.digest, size: image.size, mediaType: image.mediaType };

  const signatures = readdirSync(path.join(root, 'blobs/sha256'))
    .sort()
    .flatMap((hex) => {
      const manifest = parseJson(blob(`sha256:${hex}`));
      const layer = manifest?.layers?.[0];
      const artifactType = manifest?.artifactType ?? manifest?.config?.mediaType;
      if (artifactType !== NOTATION_ARTIFACT_TYPE || manifest?.subject?.digest !== target.digest) {
        return [];
      }
      return layer === undefined ? [] : [{ manifest, envelopeBytes: blob(layer.digest) }];
    });
  return { target, signatures };
}

function parseJson(bytes: Buffer): Manifest | undefined {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Manifest) : undefined;
  } catch {
    return undefined;
  }
}
