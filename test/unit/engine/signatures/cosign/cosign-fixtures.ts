import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CosignSignatureLayer } from '../../../../../electron/engine/signatures/cosign/simple-signing.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..');

/** The shared signature fixtures, read in place (never copied into the repository). */
export const fixturesDir = path.resolve(repoRoot, '../shared/fixtures');

const LINK = /^\.\.?\/[^\0\n]+$/;

/**
 * The fixtures' symbolic links were copied as small files holding the link target; follows
 * them. Undefined when the file, or what it links to, does not exist.
 */
export function resolveFixture(file: string): string | undefined {
  let current = path.resolve(fixturesDir, file);
  for (let hops = 0; hops < 8; hops++) {
    if (!existsSync(current)) return undefined;
    const content = readFileSync(current);
    const target = content.length < 256 ? content.toString('utf8') : '';
    if (!LINK.test(target)) return current;
    current = path.resolve(path.dirname(current), target);
  }
  throw new Error(`${file}: too many links`);
}

export function readFixture(file: string): Buffer {
  const resolved = resolveFixture(file);
  if (resolved === undefined) throw new Error(`fixture ${file} does not exist`);
  return readFileSync(resolved);
}

export function readFixtureText(file: string): string {
  return readFixture(file).toString('utf8');
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * A signature file of containers/image's `dir:` transport: the byte 0, the line
 * `sigstore-json`, then the layer as JSON with a base64 payload.
 */
export function readSignatureFile(file: string): CosignSignatureLayer {
  const bytes = readFixture(file);
  const prefix = Buffer.from('\0sigstore-json\n');
  if (!bytes.subarray(0, prefix.length).equals(prefix)) {
    throw new Error(`${file} is not a sigstore-json signature file`);
  }
  const layer = JSON.parse(bytes.subarray(prefix.length).toString('utf8')) as {
    mimeType: string;
    payload: string;
    annotations: Record<string, string>;
  };
  return {
    mediaType: layer.mimeType,
    payload: Buffer.from(layer.payload, 'base64'),
    annotations: layer.annotations,
  };
}

/** A `dir-img-*` fixture: its manifest digest (if it has a readable manifest) and signatures. */
export function readCosignImageDir(dir: string): {
  digest: string | undefined;
  layers: CosignSignatureLayer[];
} {
  const base = path.join('containers-image-cosign', dir);
  const manifest = resolveFixture(path.join(base, 'manifest.json'));
  const signatures = readdirSync(path.join(fixturesDir, base))
    .filter((name) => name.startsWith('signature-'))
    .sort();
  return {
    digest: manifest === undefined ? undefined : sha256Digest(readFileSync(manifest)),
    layers: signatures.map((name) => readSignatureFile(path.join(base, name))),
  };
}
