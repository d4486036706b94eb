import type Docker from 'dockerode';
import { digestOfRepoDigest } from '../../../shared/digest.js';
import { ImageFactsCache, type ImageFacts } from '../docker/image-facts.js';
import type { Verdict } from '../policy/allowlist-policy.js';
import type { ContainerAction } from './authz-protocol.js';
import type { AuthzDecider, AuthzDecision } from './authz-server.js';

/** The engine's side of a decision: `Engine.decideImageForAdmission`. */
export interface AdmissionPolicy {
  decideImageForAdmission(
    imageRef: string,
    image: ImageFacts,
  ): Promise<{ enforcing: boolean; verdict: Verdict }>;
}

/** Image facts younger than this are not looked up again before a refusal (as the guard). */
const FRESH_MS = 5_000;
const CONTAINER_CACHE_LIMIT = 5_000;
const FULL_ID = /^[0-9a-f]{64}$/;

/** A container as dockerd described it; its image never changes, so it is remembered. */
interface KnownContainer {
  id: string;
  name: string;
  imageId: string;
  imageRef: string;
}

/**
 * Decides plugin requests with the engine's policy. A container's image is resolved through
 * its image ID (fixed at create, so cached per full container ID: a `start` after `create`
 * is decided from memory); a create's image by asking dockerd what the name means now.
 * Lookups that fail for any reason but "no such image/container" deny.
 */
export class EngineAuthzDecider implements AuthzDecider {
  readonly #images: ImageFactsCache;
  readonly #containers = new Map<string, KnownContainer>();

  constructor(
    private readonly docker: Docker,
    private readonly policy: AdmissionPolicy,
    /**
     * Just-in-time approval for creates (the daemon's `preventionAsk`, on with the
     * `prevention.ask` setting): asked for a refused image, resolves true when a person
     * approved it (and recorded its digest), false when denied or unanswered, undefined when
     * nobody was asked (a plain denial).
     */
    private readonly ask?: (
      imageRef: string,
      digest: string,
      reason: string,
    ) => Promise<boolean | undefined>,
  ) {
    this.#images = new ImageFactsCache(docker);
  }

  async decideCreate(image: string): Promise<AuthzDecision> {
    let facts: ImageFacts;
    try {
      const info = await this.docker.getImage(image).inspect();
      const repoDigests = info.RepoDigests ?? [];
      facts = {
        imageId: info.Id,
        digests: [...new Set(repoDigests.map(digestOfRepoDigest).filter((d) => d !== undefined))],
        repoDigests,
        tags: info.RepoTags ?? [],
      };
    } catch (error) {
      // dockerd answers "No such image" itself and `docker run` then pulls and creates again,
      // which comes back here with the image present.
      if (isNotFound(error)) return { allowed: true, message: `image ${image} is not present` };
      throw error;
    }
    const decision = await this.#decide(image, facts, 'create a container');
    if (decision.allowed || !this.ask) return decision;
    const digest = approvalDigest(facts);
    const approved = await this.ask(image, digest, decision.message);
    if (approved === undefined) return decision;
    if (approved)
      return { allowed: true, message: `image ${image} (${digest}) approved just in time` };
    return {
      allowed: false,
      message: `${decision.message} (not approved in time)`,
      ...(decision.refused
        ? {
            refused: {
              ...decision.refused,
              reason: `not approved when asked; ${decision.refused.reason}`,
            },
          }
        : {}),
    };
  }

  async decideContainer(container: string, action: ContainerAction): Promise<AuthzDecision> {
    let known = this.#containers.get(container);
    if (!known) {
      try {
        const info = await this.docker.getContainer(container).inspect();
        known = {
          id: info.Id,
          name: info.Name.replace(/^\//, ''),
          imageId: info.Image,
          imageRef: info.Config.Image,
        };
        this.#remember(known);
      } catch (error) {
        if (isNotFound(error))
          return { allowed: true, message: `container ${container} does not exist` };
        throw error;
      }
    }
    const what = `${action} container ${container.slice(0, 12)}`;
    const refused = { id: known.id, name: known.name };
    const image = await this.#images.get(known.imageId);
    const decision = await this.#decide(known.imageRef, image, what, refused);
    if (decision.allowed) return decision;
    // A push or pull may have given the image a digest on the allowlist since: look again.
    const fresh = await this.#images.get(known.imageId, FRESH_MS);
    return this.#decide(known.imageRef, fresh, what, refused);
  }

  async #decide(
    imageRef: string,
    image: ImageFacts,
    what: string,
    container?: { id: string; name: string },
  ): Promise<AuthzDecision> {
    const { enforcing, verdict } = await this.policy.decideImageForAdmission(imageRef, image);
    if (verdict.allowed || !enforcing) return { allowed: true, message: verdict.reason };
    return {
      allowed: false,
      message: denialMessage(imageRef, image, what, verdict.reason),
      refused: {
        imageRef,
        imageId: image.imageId,
        digests: [...image.digests],
        reason: refusalReason(image, verdict.reason),
        ...(container ? { container } : {}),
      },
    };
  }

  #remember(facts: KnownContainer): void {
    if (!FULL_ID.test(facts.id)) return;
    this.#containers.set(facts.id, facts);
    if (this.#containers.size > CONTAINER_CACHE_LIMIT) {
      const oldest = this.#containers.keys().next().value;
      if (oldest !== undefined) this.#containers.delete(oldest);
    }
  }
}

/**
 * One line a user can act on: the image, the digest that identifies it, why, and the command
 * that approves it (a registry digest when Docker has one, else the image ID).
 */
export function denialMessage(
  imageRef: string,
  image: Pick<ImageFacts, 'imageId' | 'digests'>,
  what: string,
  reason: string,
): string {
  return `image ${imageRef} (${approvalDigest(image)}) may not ${what}: ${refusalReason(image, reason)}`;
}

/** Why, and the command that approves the image: the decision log's reason for a refusal. */
export function refusalReason(
  image: Pick<ImageFacts, 'imageId' | 'digests'>,
  reason: string,
): string {
  return `${reason}. To approve it: gatehouse allowlist add ${approvalDigest(image)}`;
}

/** The digest to allowlist: the registry digest when Docker has one, else the image ID. */
function approvalDigest(image: Pick<ImageFacts, 'imageId' | 'digests'>): string {
  return image.digests[0] ?? image.imageId;
}

function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 404;
}
