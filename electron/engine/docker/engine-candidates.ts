import { join } from 'node:path';

/** The engines that speak the Docker API and that Gatehouse knows the default sockets of. */
export type EngineKind =
  'docker-engine' | 'docker-desktop' | 'podman' | 'colima' | 'rancher-desktop' | 'orbstack';

export interface EngineCandidate {
  url: string;
  /** What usually serves this socket; `gatehouse engines` asks the engine itself. */
  kind: EngineKind;
}

/** What the candidate list depends on: the platform, the home folder, the environment. */
export interface CandidateEnvironment {
  platform: NodeJS.Platform;
  home: string;
  env: Record<string, string | undefined>;
}

/**
 * The sockets engines serve by default, in the order Gatehouse tries them when neither
 * `--docker-host`, DOCKER_HOST nor a docker context names one (docs/usage.md lists them).
 * The system's own engine comes first where there is one (Linux), then the desktop
 * distributions in the order they are most often installed.
 */
export function engineCandidates({ platform, home, env }: CandidateEnvironment): EngineCandidate[] {
  const inHome = (path: string, kind: EngineKind): EngineCandidate => ({
    url: `unix://${join(home, path)}`,
    kind,
  });
  switch (platform) {
    case 'win32':
      return [
        { url: 'npipe:////./pipe/docker_engine', kind: 'docker-desktop' },
        { url: 'npipe:////./pipe/dockerDesktopLinuxEngine', kind: 'docker-desktop' },
        { url: 'npipe:////./pipe/podman-machine-default', kind: 'podman' },
      ];
    case 'darwin': {
      const tmp = env['TMPDIR'];
      return [
        inHome('.docker/run/docker.sock', 'docker-desktop'),
        inHome('.orbstack/run/docker.sock', 'orbstack'),
        inHome('.colima/default/docker.sock', 'colima'),
        inHome('.rd/docker.sock', 'rancher-desktop'),
        // Podman machine: 5.x under the per-user temp folder, 4.x under the machine's data.
        ...(tmp
          ? [
              {
                url: `unix://${join(tmp, 'podman/podman-machine-default-api.sock')}`,
                kind: 'podman' as const,
              },
            ]
          : []),
        inHome('.local/share/containers/podman/machine/podman.sock', 'podman'),
        inHome('.local/share/containers/podman/machine/qemu/podman.sock', 'podman'),
        { url: 'unix:///var/run/docker.sock', kind: 'docker-desktop' },
      ];
    }
    default: {
      const runtime = env['XDG_RUNTIME_DIR'];
      return [
        { url: 'unix:///var/run/docker.sock', kind: 'docker-engine' },
        inHome('.docker/desktop/docker.sock', 'docker-desktop'),
        inHome('.docker/run/docker.sock', 'docker-desktop'),
        ...(runtime
          ? [{ url: `unix://${join(runtime, 'podman/podman.sock')}`, kind: 'podman' as const }]
          : []),
        { url: 'unix:///run/podman/podman.sock', kind: 'podman' },
        inHome('.colima/default/docker.sock', 'colima'),
        inHome('.rd/docker.sock', 'rancher-desktop'),
      ];
    }
  }
}

/** The kind usually behind a host URL, when it is one of the known sockets. */
export function kindOfSocket(
  url: string,
  environment: CandidateEnvironment,
): EngineKind | undefined {
  return engineCandidates(environment).find((c) => c.url === url)?.kind;
}
