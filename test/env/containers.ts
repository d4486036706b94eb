import type { DockerClient, DockerResult } from './dockerd.js';

/** Docker CLI helpers shared by the integration tests and the benchmark. */

/** Runs docker and returns its trimmed output; a non-zero exit throws with docker's message. */
export async function must(dockerd: DockerClient, args: string[], input?: Buffer): Promise<string> {
  const r = await dockerd.docker(args, input === undefined ? {} : { input });
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout.trim();
}

/**
 * `docker run -d --network none --name NAME [options] IMAGE [command]`. Does not throw: a
 * guard in enforce mode may remove the container as soon as it is created, failing the run.
 */
export function runDetached(
  dockerd: DockerClient,
  name: string,
  image: string,
  command: string[] = ['sleep', '300'],
  options: string[] = [],
): Promise<DockerResult> {
  return dockerd.docker([
    'run',
    '-d',
    '--network',
    'none',
    '--name',
    name,
    ...options,
    image,
    ...command,
  ]);
}

/** `running`, `exited`, `created`, ... or `gone`. */
export async function containerState(dockerd: DockerClient, name: string): Promise<string> {
  const r = await dockerd.docker(['inspect', '--format', '{{.State.Status}}', name]);
  return r.code === 0 ? r.stdout.trim() : 'gone';
}

export async function removeAllContainers(dockerd: DockerClient): Promise<void> {
  const ids = (await must(dockerd, ['ps', '-aq'])).split('\n').filter(Boolean);
  if (ids.length) await must(dockerd, ['rm', '-f', ...ids]);
}

/** runDetached for a container that must start: a failed run throws with docker's message. */
export async function mustRun(...args: Parameters<typeof runDetached>): Promise<string> {
  const r = await runDetached(...args);
  if (r.code !== 0) throw new Error(`docker run ${args[1]} exited ${r.code}: ${r.stderr}`);
  return r.stdout.trim();
}
