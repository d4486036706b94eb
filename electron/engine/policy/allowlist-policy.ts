import type { AllowedBy, AllowlistEntry } from '../../../shared/api/schemas.js';
import type { ImageFacts } from '../docker/image-facts.js';

export interface Verdict {
  allowed: boolean;
  reason: string;
  allowedBy?: AllowedBy;
}

/** An entry of the effective allowlist; `instance` names the managed container it came from. */
export type IndexedEntry = AllowlistEntry & { instance?: string };

/** The allowlist indexed by digest, rebuilt whenever the allowlist changes. */
export type AllowlistIndex = ReadonlyMap<string, IndexedEntry>;

export function indexAllowlist(entries: readonly AllowlistEntry[]): AllowlistIndex {
  return new Map(entries.map((e) => [e.digest, e]));
}

/**
 * An image is allowed when one of its registry digests, or its image ID (the only identity a
 * locally built or imported image has), is on the allowlist.
 */
export function decideImage(
  image: Pick<ImageFacts, 'imageId' | 'digests'>,
  allowlist: AllowlistIndex,
): Verdict {
  for (const digest of [...image.digests, image.imageId]) {
    const entry = allowlist.get(digest);
    if (entry) {
      const what = digest === image.imageId ? 'image ID' : 'digest';
      const allowedBy: AllowedBy = entry.instance
        ? { kind: 'instance', digest, instance: entry.instance }
        : { kind: 'entry', digest, ...(entry.label ? { label: entry.label } : {}) };
      if (entry.instance)
        return {
          allowed: true,
          reason: `${what} ${digest} is the digest of enabled instance "${entry.instance}"`,
          allowedBy,
        };
      return {
        allowed: true,
        reason: `${what} ${digest} is on the allowlist${entry.label ? ` (${entry.label})` : ''}`,
        allowedBy,
      };
    }
  }
  const reason = image.digests.length
    ? `not on the allowlist: neither its digests (${image.digests.join(', ')}) nor its image ID ${image.imageId}`
    : `not on the allowlist: its image ID ${image.imageId} (a local image with no registry digest)`;
  return { allowed: false, reason };
}
