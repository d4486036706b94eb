import { Agent } from 'node:http';
import Docker from 'dockerode';
import type { DockerHost } from './docker-host.js';

/**
 * A dockerode client for a resolved host. Local sockets get a keep-alive agent: every
 * enforcement action is a few API calls, and reusing connections takes setup off that path.
 */
export interface DockerClient {
  docker: Docker;
  /** Closes idle kept-alive connections, so a stopped engine does not hold the process open. */
  close(): void;
}

export function createDockerClient(host: DockerHost): DockerClient {
  const url = new URL(host.url);
  if (url.protocol === 'unix:') {
    const agent = new Agent({ keepAlive: true });
    // docker-modem passes `agent` through, though @types/dockerode does not declare it.
    const options: Docker.DockerOptions & { agent: Agent } = { socketPath: url.pathname, agent };
    return { docker: new Docker(options), close: () => agent.destroy() };
  }
  return { docker: dockerFor(host, url), close: () => undefined };
}

function dockerFor(host: DockerHost, url: URL): Docker {
  switch (url.protocol) {
    case 'npipe:':
      // npipe:////./pipe/docker_engine -> //./pipe/docker_engine
      return new Docker({ socketPath: host.url.slice('npipe://'.length) });
    case 'ssh:':
      return new Docker({
        protocol: 'ssh',
        host: url.hostname,
        port: url.port || 22,
        ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      });
    default: {
      const tls = host.tls && (host.tls.cert || host.tls.ca);
      return new Docker({
        protocol: tls || url.protocol === 'https:' ? 'https' : 'http',
        host: url.hostname,
        port: url.port || (tls ? 2376 : 2375),
        ...(host.tls?.ca ? { ca: host.tls.ca } : {}),
        ...(host.tls?.cert ? { cert: host.tls.cert } : {}),
        ...(host.tls?.key ? { key: host.tls.key } : {}),
      });
    }
  }
}
