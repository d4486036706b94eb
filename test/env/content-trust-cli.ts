import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DockerClient, DockerResult } from './dockerd.js';
import type { NotaryServer } from './notary-server.js';

/** The docker CLI with Content Trust on, on a config dir of its own (trust keys, server CA). */
export interface ContentTrustCli {
  readonly configDir: string;
  docker(args: string[]): Promise<DockerResult>;
  /** `docker push` that must sign the tag; resolves with the pushed manifest digest. */
  signedPush(ref: string): Promise<`sha256:${string}`>;
  /** The root key's ID: the CLI names each private key file by its ID, the root's says `role: root`. */
  rootKeyId(): Promise<string>;
  dispose(): Promise<void>;
}

export async function contentTrustCli(
  dockerd: DockerClient,
  notary: NotaryServer,
  parentDir = '/tmp',
): Promise<ContentTrustCli> {
  const configDir = await mkdtemp(join(parentDir, 'gh-dct-cli-'));
  // Where the CLI looks for a trust server's CA: $DOCKER_CONFIG/tls/HOST:PORT/. (For a loopback
  // registry, which is insecure-allowed, the 20.10 CLI also skips verifying the trust server.)
  const tlsDir = join(configDir, 'tls', `127.0.0.1:${notary.port}`);
  await mkdir(tlsDir, { recursive: true });
  await copyFile(notary.caFile, join(tlsDir, 'ca.crt'));
  const docker = (args: string[]) =>
    dockerd.docker(args, {
      env: {
        DOCKER_CONFIG: configDir,
        DOCKER_CONTENT_TRUST: '1',
        DOCKER_CONTENT_TRUST_SERVER: notary.url,
        DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE: 'root passphrase',
        DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE: 'repository passphrase',
      },
    });
  return {
    configDir,
    docker,
    async signedPush(ref) {
      const push = await docker(['push', ref]);
      const tag = ref.slice(ref.lastIndexOf(':') + 1);
      const digest = new RegExp(`^${tag}: digest: (sha256:[0-9a-f]{64})`, 'm').exec(
        push.stdout,
      )?.[1];
      if (push.code !== 0 || !push.stdout.includes(`Successfully signed ${ref}`) || !digest)
        throw new Error(`docker push with Content Trust failed (${push.code}): ${push.stderr}`);
      return digest as `sha256:${string}`;
    },
    async rootKeyId() {
      const privateDir = join(configDir, 'trust', 'private');
      for (const file of await readdir(privateDir))
        if (/^role: root$/m.test(await readFile(join(privateDir, file), 'utf8')))
          return file.replace(/\.key$/, '');
      throw new Error(`no root key in ${privateDir}`);
    },
    dispose: () => rm(configDir, { recursive: true, force: true }),
  };
}
