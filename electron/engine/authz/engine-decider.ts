import type Docker from 'dockerode';
import { digestOfRepoDigest, isDigest, type Digest } from '../../../shared/digest.js';
import { ImageFactsCache, type ImageFacts } from '../docker/image-facts.js';
import type { Verdict } from '../policy/allowlist-policy.js';
import { isContainerRef, isPluginRef, type ContainerAction } from './authz-protocol.js';
import type { AuthzDecider, AuthzDecision } from './authz-server.js';

/** How prevention treats builds: their RUN steps run the base image's code. */
export type BuildPolicy = 'allow' | 'refuse';

/** The engine's side of a decision: `Engine.decideImageForAdmission` and the settings. */
export interface AdmissionPolicy {
  decideImageForAdmission(
    imageRef: string,
    image: ImageFacts,
  ): Promise<{ enforcing: boolean; verdict: Verdict }>;
  /** Whether refusals apply now (enforcement on, not audit) and what builds may do. */
  preventionPolicy(): { enforcing: boolean; builds: BuildPolicy };
}

/** Image facts younger than this are not looked up again before a refusal (as the guard). */
const FRESH_MS = 5_000;

type Decidable = Parameters<AuthzDecider['decide']>[0];

/**
 * Decides plugin requests with the engine's policy, always from what dockerd will act on:
 * a container action by the container its path segment names *now* (resolved through
 * dockerd, as dockerd resolves it: full ID, exact name, unique ID prefix; never remembered
 * between requests, since names and removed IDs can be taken by another container) and by
 * the image ID that container was created from, so a tag moved after the create cannot
 * matter. A create's image by what its name means now (the start decides again by image ID).
 * Lookups that fail deny.
 */
export class EngineAuthzDecider implements AuthzDecider {
  readonly #images: ImageFactsCache;

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

  decide(request: Decidable): Promise<AuthzDecision> {
    switch (request.kind) {
      case 'create':
        return this.#decideCreate(request.image);
      case 'container':
        return this.#decideContainer(request.container, request.action);
      case 'plugin':
        return this.#decidePlugin(request);
      case 'service':
        return this.#decideService(request);
      case 'build':
        return Promise.resolve(this.#decideBuild(request.builder));
      case 'swarm-join':
        return Promise.resolve(
          this.#unlessEnforcing(
            'joining a swarm: its managers could schedule tasks here that no create request announces. Leave enforcement off (or in audit mode) while joining, if you trust the swarm',
          ),
        );
    }
  }

  async #decideCreate(image: string): Promise<AuthzDecision> {
    let facts: ImageFacts;
    try {
      facts = imageFactsOf(await this.docker.getImage(image).inspect());
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

  async #decideContainer(container: string, action: ContainerAction): Promise<AuthzDecision> {
    if (!isContainerRef(container))
      return { allowed: false, message: `no container can be named ${JSON.stringify(container)}` };
    let info: Docker.ContainerInspectInfo;
    try {
      info = await this.docker.getContainer(container).inspect();
    } catch (error) {
      if (isNotFound(error))
        return { allowed: false, message: `there is no container ${container} to ${action}` };
      throw error;
    }
    const what = `${action} container ${container.slice(0, 12)}`;
    const refused = { id: info.Id, name: info.Name.replace(/^\//, '') };
    const imageRef = info.Config.Image;
    const image = await this.#images.get(info.Image);
    const decision = await this.#decide(imageRef, image, what, refused);
    if (decision.allowed) return decision;
    // A push or pull may have given the image a digest on the allowlist since: look again.
    const fresh = await this.#images.get(info.Image, FRESH_MS);
    return this.#decide(imageRef, fresh, what, refused);
  }

  /**
   * A managed plugin runs as root outside any container. While enforcing, only a plugin
   * pulled by digest (`NAME@sha256:...`, which dockerd checks against what it downloads)
   * whose digest the policy allows may be installed, upgraded, enabled or configured; a
   * plugin built from a local folder (`docker plugin create`) has no digest and is refused.
   */
  async #decidePlugin(request: Extract<Decidable, { kind: 'plugin' }>): Promise<AuthzDecision> {
    if (!this.policy.preventionPolicy().enforcing)
      return { allowed: true, message: 'enforcement is off or in audit mode' };
    let reference = request.remote;
    if (reference === undefined && request.plugin !== undefined && request.action !== 'create') {
      if (!isPluginRef(request.plugin))
        return {
          allowed: false,
          message: `no plugin can be named ${JSON.stringify(request.plugin)}`,
        };
      try {
        reference = (await this.docker.getPlugin(request.plugin, undefined).inspect())
          .PluginReference;
      } catch (error) {
        if (isNotFound(error))
          return {
            allowed: false,
            message: `there is no plugin ${request.plugin} to ${request.action}`,
          };
        throw error;
      }
    }
    const what = `${request.action} a managed plugin`;
    const digest = reference === undefined ? undefined : pinnedDigest(reference);
    if (reference === undefined || digest === undefined)
      return {
        allowed: false,
        message: `${reference ?? 'this plugin'} may not ${request.action === 'create' ? 'be created' : request.action}: managed plugins run as root outside any container, so only a plugin pulled by digest whose digest is allowed may run. To allow one: gatehouse allowlist add sha256:DIGEST, then docker plugin install NAME@sha256:DIGEST`,
      };
    return this.#decide(
      reference,
      { imageId: '', digests: [digest], repoDigests: [], tags: [] },
      what,
    );
  }

  /**
   * A swarm service's tasks are created by dockerd itself and never asked about, so the
   * service's image is decided here: by the digest it is pinned to (as `docker service create`
   * pins it when the registry answers), else by what the local image of that name is now.
   */
  async #decideService(request: Extract<Decidable, { kind: 'service' }>): Promise<AuthzDecision> {
    if (!this.policy.preventionPolicy().enforcing)
      return { allowed: true, message: 'enforcement is off or in audit mode' };
    let image = request.image;
    if (request.rollback && request.service !== undefined) {
      if (!isContainerRef(request.service))
        return {
          allowed: false,
          message: `no service can be named ${JSON.stringify(request.service)}`,
        };
      const service = (await this.docker.getService(request.service).inspect()) as ServiceInspect;
      image = service.PreviousSpec?.TaskTemplate?.ContainerSpec?.Image;
    }
    const what = `${request.action === 'create' ? 'run as' : 'update'} a swarm service`;
    if (image === undefined)
      return { allowed: false, message: `a service with no container image may not ${what}` };
    const digest = pinnedDigest(image);
    if (digest !== undefined)
      return this.#decide(
        image,
        { imageId: '', digests: [digest], repoDigests: [], tags: [] },
        what,
      );
    let facts: ImageFacts;
    try {
      facts = imageFactsOf(await this.docker.getImage(image).inspect());
    } catch (error) {
      if (isNotFound(error))
        return {
          allowed: false,
          message: `image ${image} may not ${what}: it is not here and not pinned by digest, so what its tasks would run cannot be decided. Pin it: IMAGE@sha256:DIGEST`,
        };
      throw error;
    }
    return this.#decide(image, facts, what);
  }

  #decideBuild(builder: 'classic' | 'buildkit'): AuthzDecision {
    const { enforcing, builds } = this.policy.preventionPolicy();
    if (!enforcing || builds === 'allow')
      return {
        allowed: true,
        message: `builds are allowed (${builder}): their RUN steps are not decided by Gatehouse`,
      };
    return {
      allowed: false,
      message:
        "builds are refused while enforcing (prevention builds setting): a build runs its base image's code. To allow builds: gatehouse prevention builds allow",
    };
  }

  #unlessEnforcing(what: string): AuthzDecision {
    if (!this.policy.preventionPolicy().enforcing)
      return { allowed: true, message: 'enforcement is off or in audit mode' };
    return { allowed: false, message: `refused while enforcing: ${what}` };
  }

  async #decide(
    imageRef: string,
    image: ImageFacts,
    what: string,
    container?: { id: string; name: string },
  ): Promise<AuthzDecision> {
    const { enforcing, verdict } = await this.policy.decideImageForAdmission(imageRef, image);
    const subject = {
      imageRef,
      imageId: image.imageId,
      digests: [...image.digests],
      ...(container ? { container } : {}),
    };
    if (verdict.allowed || !enforcing)
      return {
        allowed: true,
        message: verdict.reason,
        subject,
        ...(verdict.allowedBy ? { allowedBy: verdict.allowedBy } : {}),
      };
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
}

/** The part of a service's inspect the rollback decision reads. */
interface ServiceInspect {
  PreviousSpec?: { TaskTemplate?: { ContainerSpec?: { Image?: string } } };
}

function imageFactsOf(info: Docker.ImageInspectInfo): ImageFacts {
  const repoDigests = info.RepoDigests ?? [];
  return {
    imageId: info.Id,
    digests: [...new Set(repoDigests.map(digestOfRepoDigest).filter((d) => d !== undefined))],
    repoDigests,
    tags: info.RepoTags ?? [],
  };
}

/** The digest a reference is pinned to (`NAME@sha256:...`), if it is. */
function pinnedDigest(reference: string): Digest | undefined {
  const at = reference.lastIndexOf('@');
  if (at < 0) return undefined;
  const digest = reference.slice(at + 1);
  return isDigest(digest) ? digest : undefined;
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
