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
 * is about to deny asks again with `fresh`.
 */
export class ImageFactsCache {
  readonly #cache = new Map<string, Promise<ImageFacts>>();

  constructor(private readonly docker: Docker) {}

  get(imageId: string): Promise<ImageFacts> {
    let facts = this.#cache.get(imageId);
    if (!facts) {
      facts = this.#inspect(imageId);
      this.#cache.set(imageId, facts);
      // A failed lookup is not cached: the next caller tries again.
      facts.catch(() => this.#cache.delete(imageId));
    }
    return facts;
  }

  fresh(imageId: string): Promise<ImageFacts> {
    this.#cache.delete(imageId);
    return this.get(imageId);
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
