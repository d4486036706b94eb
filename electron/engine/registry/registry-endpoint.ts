export interface RegistryEndpoint {
  /** Where the registry API lives, e.g. `https://registry-1.docker.io/v2/`. */
  base: string;
  plainHttp: boolean;
}

/**
 * Where a registry named in image references (`host[:port]`) is reached. As dockerd:
 * loopback registries (`localhost`, 127.0.0.0/8, `[::1]`) and the configured insecure ones
 * speak plain HTTP, all others HTTPS; Docker Hub's API lives on its own host.
 */
export function registryEndpoint(
  registry: string,
  insecureRegistries: readonly string[],
): RegistryEndpoint {
  const host = registry.replace(/:\d+$/, '');
  const plainHttp =
    insecureRegistries.includes(registry) ||
    host === 'localhost' ||
    host === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
  const apiHost = registry === 'docker.io' ? 'registry-1.docker.io' : registry;
  return { base: `${plainHttp ? 'http' : 'https'}://${apiHost}/v2/`, plainHttp };
}
