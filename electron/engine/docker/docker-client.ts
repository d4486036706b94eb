import Docker from 'dockerode';
import type { DockerHost } from './docker-host.js';

/**
 * A dockerode client for a resolved host. No keep-alive agent: docker-modem runs
 * `util.inspect` over each request's options, agent and its sockets included, and with an
 * agent that cost grew with load until a storm of 50 starts took seconds per kill (profiled).
 */
export function createDockerClient(host: DockerHost): Docker {
  const url = new URL(host.url);
  if (url.protocol === 'unix:') return new Docker({ socketPath: url.pathname });
  return dockerFor(host, url);
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
