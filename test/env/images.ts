import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { must } from './containers.js';
import type { DockerClient } from './dockerd.js';
import { onProcessExit } from './process-exit.js';

const execFileAsync = promisify(execFile);

/** The file every imported image gets, holding a fresh nonce: each import is a distinct image. */
export const NONCE_FILE = '/etc/gatehouse-image';

const APPLETS = [
  'sh', 'sleep', 'echo', 'cat', 'true', 'false', 'yes', 'seq', 'touch', 'ls', 'env', 'id',
  'printf', 'wc', 'head', 'mkdir', 'rm', 'grep', 'kill', 'ps', 'date', 'hostname',
]; // prettier-ignore

let rootfs: Promise<string> | undefined;

/** A busybox root filesystem, built once per process in a temp dir (no image can be pulled here). */
function busyboxRootfs(): Promise<string> {
  rootfs ??= (async () => {
    const dir = await mkdtemp('/tmp/gh-img-');
    onProcessExit(() => rmSync(dir, { recursive: true, force: true }));
    const root = join(dir, 'rootfs');
    for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root']) {
      await mkdir(join(root, d), { recursive: true });
    }
    await chmod(join(root, 'tmp'), 0o1777);
    // busybox-static: no shared libraries needed in the image.
    await copyFile('/bin/busybox', join(root, 'bin', 'busybox'));
    await chmod(join(root, 'bin', 'busybox'), 0o755);
    for (const applet of APPLETS) await symlink('busybox', join(root, 'bin', applet));
    return dir;
  })();
  return rootfs;
}

/**
 * Imports the busybox rootfs under `ref` with CMD ["/bin/sh"] and returns the image ID
 * (`sha256:...`). Every call writes a new nonce to /etc/gatehouse-image, so every call gives
 * a new image with its own layer, and a container can show which image it runs.
 */
export async function importImage(dockerd: DockerClient, ref: string): Promise<string> {
  const dir = await busyboxRootfs();
  const extra = await mkdtemp(join(dir, 'nonce-'));
  try {
    await mkdir(join(extra, 'etc'));
    await writeFile(join(extra, NONCE_FILE), `${randomUUID()}\n`);
    const { stdout: tar } = await execFileAsync(
      'tar',
      ['-c', '-C', join(dir, 'rootfs'), '.', '-C', extra, `.${NONCE_FILE}`],
      { encoding: 'buffer', maxBuffer: 64 << 20 },
    );
    const out = await must(dockerd, ['import', '-c', 'CMD ["/bin/sh"]', '-', ref], tar);
    // dockerd prints the ID; Podman's compatible API prints it twice ("sha256:X: sha256:X").
    const ids = [...new Set(out.match(/sha256:[0-9a-f]{64}/g) ?? [])];
    if (ids.length !== 1 || ids[0] === undefined) throw new Error(`docker import printed ${out}`);
    return ids[0];
  } finally {
    await rm(extra, { recursive: true, force: true });
  }
}

/**
 * Pushes `ref` (e.g. `127.0.0.1:PORT/team/app:1`) and returns its manifest digest
 * (`sha256:...`), read from RepoDigests: an imported image has none until it is pushed.
 */
export async function pushImage(dockerd: DockerClient, ref: string): Promise<string> {
  await must(dockerd, ['push', ref]);
  const out = await must(dockerd, ['image', 'inspect', '--format', '{{json .RepoDigests}}', ref]);
  const repo = ref.replace(/(@[^/]*|:[^:/]*)$/, ''); // drop the tag or digest
  const repoDigest = (JSON.parse(out) as string[]).find((d) => d.startsWith(`${repo}@`));
  if (repoDigest === undefined) throw new Error(`no RepoDigest for ${repo} after push: ${out}`);
  return repoDigest.slice(repo.length + 1);
}
