import type { DecisionRecord } from '../../shared/api/schemas.js';
import { activityRoute, allowlistRoute } from './windows/main-window.js';

/**
 * What a decision is about, for listing each once: the container, or for a refused create
 * (no container exists) the requested name and the image. Two refusals of the same
 * `docker run` are one subject; creates of different names or images are not.
 */
export function decisionSubject(record: DecisionRecord): string {
  if (record.containerId) return record.containerId;
  return `new ${record.containerName} ${record.imageId || record.imageRef}`;
}

/** How a face names it: the container's name, else (a refused create) "a container of IMAGE". */
export function subjectName(record: DecisionRecord): string {
  return record.containerName || `a container of ${record.imageRef || 'an unknown image'}`;
}

/**
 * Where a click on a decision leads. A refusal by the plugin goes to its approval (the
 * allowlist with the digest to add filled in: there may be no container to approve); every
 * other decision to the container's records in the activity view.
 */
export function decisionRoute(record: DecisionRecord): string {
  if (record.decision !== 'prevented') return activityRoute(record.containerId);
  const digest = record.digests[0] ?? record.imageId;
  return digest ? allowlistRoute(digest) : activityRoute(record.containerId);
}
