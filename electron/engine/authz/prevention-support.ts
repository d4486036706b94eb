import type { PreventionPlugin } from '../../../shared/api/channels.js';
import { isDockerDesktopSocket } from '../docker/docker-host.js';

/**
 * Whether prevention can work here: dockerd loads an authorization plugin from its own host's
 * plugin folder, and only a Linux dockerd loads them at all. Pure, so it is unit-tested; the
 * faces show the reason and `gatehouse authz install` refuses with it.
 */

const REACTIVE = 'Gatehouse stops non-allowed containers right after they start';

/**
 * Why Docker cannot ask Gatehouse before a container runs, for a person; undefined when it can.
 * `hostUrl` is the Docker host the engine watches (unknown: only the platform is judged).
 */
export function preventionUnsupported(
  platform: NodeJS.Platform,
  hostUrl?: string,
): string | undefined {
  const remote = hostUrl === undefined ? undefined : remoteHost(hostUrl);
  if (remote !== undefined)
    return `Docker runs on ${remote}: its dockerd can only ask an authorization plugin running on that host (gatehouse daemon --authz-socket there). From here, ${REACTIVE}`;
  if (platform === 'darwin' || platform === 'win32')
    return `Docker Desktop (macOS, Windows) cannot load authorization plugins: ${REACTIVE}`;
  if (platform !== 'linux') return `Docker authorization plugins need a Linux dockerd: ${REACTIVE}`;
  if (hostUrl !== undefined && isDockerDesktopSocket(hostUrl))
    return `Docker Desktop cannot load authorization plugins (its dockerd runs in a VM): ${REACTIVE}`;
  return undefined;
}

/**
 * The plugin's state for EngineStatus: unsupported wins over serving, because a plugin served
 * here protects no Docker that cannot load it.
 */
export function preventionPlugin(
  platform: NodeJS.Platform,
  hostUrl: string,
  servedOn: string | undefined,
): PreventionPlugin {
  const reason = preventionUnsupported(platform, hostUrl);
  if (reason !== undefined) return { state: 'unsupported', reason };
  return servedOn === undefined ? { state: 'off' } : { state: 'serving', socketPath: servedOn };
}

const LOOPBACK = /^(localhost|127(\.\d+){3}|\[::1\])$/i;

/** The host of a Docker reached over the network (ssh://, or tcp:// not on loopback). */
function remoteHost(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const network = ['ssh:', 'tcp:', 'http:', 'https:'].includes(parsed.protocol);
  if (!network) return undefined;
  if (parsed.protocol !== 'ssh:' && LOOPBACK.test(parsed.hostname)) return undefined;
  return parsed.hostname || url;
}
