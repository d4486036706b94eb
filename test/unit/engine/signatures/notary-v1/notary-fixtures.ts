import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  RoleNotFoundError,
  type FetchRole,
  type RoleName,
} from '../../../../../electron/engine/signatures/notary-v1/fetch-role.js';

const repoRoot = fileURLToPath(new URL('../../../../../', import.meta.url));
const fixtures = path.resolve(repoRoot, '../shared/fixtures/notary-v1');

/** Notary's own test fixtures (see ../shared/fixtures/EXPECTED.md). */
export const NOTARY_01 = {
  gun: 'docker.com/notary0.1/samplerepo',
  dir: path.join(fixtures, 'notary0.1'),
  /** root.json lists the root key under its certificate's ID... */
  rootCertKeyId: '4ff57dc987163053a12c066f2dd36b1ae6037a92f5416d381fe311a3db1868d8',
  /** ...the root private key file is named after the bare public key's ID. */
  rootKeyId: 'd0c623c8e70c70d42a8a8125c44a8598588b3f6e31d5c21a83cbc338dfde8a68',
};

export const NOTARY_03 = {
  gun: 'docker.com/notary0.3/tst',
  dir: path.join(fixtures, 'notary0.3'),
  rootKeyId: 'f4eaf871a74aa3b3a0ff95cef2455a1e4d461639f5625418e76756fc5c948690',
};

export function readFixture(fixture: { dir: string }, file: string): Buffer {
  return readFileSync(path.join(fixture.dir, file));
}

export function metadata(fixture: { dir: string; gun: string }, role: RoleName): Buffer {
  return readFixture(fixture, `tuf/${fixture.gun}/metadata/${role}.json`);
}

/** Serves a fixture's metadata as a Notary server would; `changes` replaces (or, undefined, removes) files. */
export function fixtureFetcher(
  fixture: { dir: string; gun: string },
  changes: Partial<Record<RoleName, Uint8Array | undefined>> = {},
): FetchRole {
  return async (role) => {
    if (role in changes) {
      const changed = changes[role];
      if (!changed) throw new RoleNotFoundError(role);
      return changed;
    }
    const file = path.join(fixture.dir, `tuf/${fixture.gun}/metadata/${role}.json`);
    if (!existsSync(file)) throw new RoleNotFoundError(role);
    return readFileSync(file);
  };
}
