import type { Command } from 'commander';
import { createDockerClient } from '../../engine/docker/docker-client.js';
import {
  engineCandidates,
  type EngineCandidate,
  type EngineKind,
} from '../../engine/docker/engine-candidates.js';
import { realHostEnvironment, resolveDockerHost } from '../../engine/docker/docker-host.js';
import type { CliContext } from '../api-access.js';
import { printJson, shown } from '../output.js';

/** What answers on an engine socket, as `gatehouse engines` reports it. */
export interface EngineProbe {
  url: string;
  /** The engine's own word when it answers (Podman names itself), else what the socket is. */
  kind: EngineKind;
  /** Whether Gatehouse watches this one (the host the engine resolves). */
  watched: boolean;
  answers: boolean;
  version?: string;
  apiVersion?: string;
  problem?: string;
}

interface VersionAnswer {
  Version?: string;
  ApiVersion?: string;
  Components?: { Name?: string }[];
}

const PROBE_MS = 2_000;

/** Asks one engine its version, within PROBE_MS. */
export async function probeEngine(
  candidate: EngineCandidate,
  watched: boolean,
): Promise<EngineProbe> {
  const docker = createDockerClient({ url: candidate.url, source: 'option' });
  let timer: NodeJS.Timeout | undefined;
  try {
    const version = (await Promise.race([
      docker.version(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${PROBE_MS / 1000} s`)),
          PROBE_MS,
        );
      }),
    ])) as VersionAnswer;
    const podman = (version.Components ?? []).some((c) => /podman/i.test(c.Name ?? ''));
    return {
      url: candidate.url,
      kind: podman ? 'podman' : candidate.kind,
      watched,
      answers: true,
      ...(version.Version ? { version: version.Version } : {}),
      ...(version.ApiVersion ? { apiVersion: version.ApiVersion } : {}),
    };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === 'ENOENT' ? 'no socket' : (error as Error).message;
    return { url: candidate.url, kind: candidate.kind, watched, answers: false, problem };
  } finally {
    clearTimeout(timer);
  }
}

/** `gatehouse engines`: every known engine socket, what answers there, which one is watched. */
export function registerEnginesCommand(program: Command, ctx: () => CliContext): void {
  program
    .command('engines')
    .description('the Docker-compatible engines found here, and which one Gatehouse watches')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const environment = realHostEnvironment();
      const watched = resolveDockerHost(ctx().dockerHost, environment);
      const candidates = engineCandidates(environment);
      const known = candidates.find((c) => c.url === watched.url);
      const all = known
        ? candidates
        : [{ url: watched.url, kind: 'docker-engine' as const }, ...candidates];
      const probes = await Promise.all(all.map((c) => probeEngine(c, c.url === watched.url)));
      if (o.json) return printJson(probes);
      for (const p of probes)
        console.log(
          shown`${p.watched ? '*' : ' '} ${p.url}  ${p.kind}  ${p.answers ? `${p.version ?? '?'} (API ${p.apiVersion ?? '?'})` : `not answering: ${p.problem ?? ''}`}`,
        );
      console.log(
        `* watched (${watched.source === 'default' ? 'the first of these that exists, else the first' : `from ${watched.source}`}); pick another with --docker-host URL or DOCKER_HOST`,
      );
    });
}
