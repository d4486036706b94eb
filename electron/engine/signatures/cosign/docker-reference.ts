// The reference grammar of github.com/distribution/reference, which containers/image uses.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;

/**
 * The repository an image reference names, normalized as Docker does (`busybox` →
 * `docker.io/library/busybox`), without its tag or digest; undefined if it is not a valid
 * reference. Signatures are matched by repository: the digest is checked on its own.
 */
export function repositoryOf(reference: string): string | undefined {
  let name = reference;
  const at = name.indexOf('@');
  if (at >= 0) {
    if (!DIGEST.test(name.slice(at + 1))) return undefined;
    name = name.slice(0, at);
  }
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) {
    if (!TAG.test(name.slice(colon + 1))) return undefined;
    name = name.slice(0, colon);
  }

  const components = name.split('/');
  const first = components[0] ?? '';
  // Like Docker: the first component is a registry only if it looks like a host name.
  const hasDomain =
    components.length > 1 &&
    (first.includes('.') ||
      first.includes(':') ||
      first === 'localhost' ||
      first !== first.toLowerCase());
  let domain = hasDomain ? first : 'docker.io';
  const path = hasDomain ? components.slice(1) : components;
  if (!DOMAIN.test(domain) || !path.every((c) => PATH_COMPONENT.test(c))) return undefined;

  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && path.length === 1) path.unshift('library');
  return [domain, ...path].join('/');
}
