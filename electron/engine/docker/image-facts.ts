import type Docker from 'dockerode';
import { digestOfRepoDigest, type Digest } from '../../../shared/digest.js';

/** What a container runs, resolved from its image ID, never from a name or tag. */
export interface ImageFacts {
  imageId: string;
  /** Manifest digests from RepoDigests (empty for an image built or imported locally). */
  digests: Digest[];
  repoDigests: string[];
  tags: string[];
}

/**
 * Image inspect results per image ID. Caching is safe because an image ID is the digest of
 * the image's config: a RepoDigest once reported for it names a manifest of that very
 * config, so it never becomes wrong. Digests can be added later (a push), so a caller that
 * is about to deny asks again for facts no older than a few seconds.
 */
export class ImageFactsCache {
  readonly #cache = new Map<string, { facts: Promise<ImageFacts>; at: number }>();

  constructor(private readonly docker: Docker) {}

  /** Cached facts, looked up again when older than `maxAgeMs`. */
  get(imageId: string, maxAgeMs = Infinity): Promise<ImageFacts> {
    const cached = this.#cache.get(imageId);
    if (cached && performance.now() - cached.at <= maxAgeMs) return cached.facts;
    const facts = this.#inspect(imageId);
    const entry = { facts, at: performance.now() };
    this.#cache.set(imageId, entry);
    // A failed lookup is not cached: the next caller tries again.
    facts.catch(() => {
      if (this.#cache.get(imageId) === entry) this.#cache.delete(imageId);
    });
    return facts;
  }

  async #inspect(imageId: string): Promise<ImageFacts> {
    const info = await this.docker.getImage(imageId).inspect();
    const repoDigests = info.RepoDigests ?? [];
    const digests = [
      ...new Set(repoDigests.map(digestOfRepoDigest).filter((d) => d !== undefined)),
    ];
    return { imageId: info.Id, digests, repoDigests, tags: info.RepoTags ?? [] };
  }
}
