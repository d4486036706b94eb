import type { DecisionRecord } from '../../../shared/api/schemas.js';
import type { AuthzDecision, DecidedRequest } from './authz-server.js';

const FULL_ID = /^[0-9a-f]{64}$/;

/**
 * The decision-log record of a request the plugin decided. A refusal: kind `prevented`, trigger
 * `authz:create`, `authz:start`, ... A create has no container yet (ID ''; the name when the
 * request gave one). What the denial looked up (image, digests, the container's full ID and
 * name) fills the rest; a denial that looked nothing up (a timeout, a failed lookup, a
 * malformed request) keeps what the request itself said.
 */
export function preventionRecord(
  what: DecidedRequest,
  decision: AuthzDecision,
  time = new Date(),
): DecisionRecord {
  if (decision.allowed) return allowedRecord(what, decision, time);
  const refused = decision.refused;
  const asked = askedFor(what);
  return {
    time: time.toISOString(),
    containerId: refused?.container?.id ?? asked.containerId,
    containerName: refused?.container?.name ?? asked.containerName,
    imageRef: refused?.imageRef ?? asked.imageRef,
    imageId: refused?.imageId ?? '',
    digests: refused?.digests ?? [],
    decision: 'prevented',
    reason: refused?.reason ?? decision.message,
    trigger: asked.trigger,
  };
}

function askedFor(
  what: DecidedRequest,
): Pick<DecisionRecord, 'containerId' | 'containerName' | 'imageRef' | 'trigger'> {
  switch (what.kind) {
    case 'create':
      return {
        containerId: '',
        containerName: what.name ?? '',
        imageRef: what.image,
        trigger: 'authz:create',
      };
    case 'container': {
      // The request names the container by full ID, short ID or name.
      const isId = FULL_ID.test(what.container);
      return {
        containerId: isId ? what.container : '',
        containerName: isId ? '' : what.container,
        imageRef: '',
        trigger: `authz:${what.action}`,
      };
    }
    case 'plugin':
      return {
        containerId: '',
        containerName: what.plugin ?? '',
        imageRef: what.remote ?? '',
        trigger: `authz:plugin-${what.action}`,
      };
    case 'service':
      return {
        containerId: '',
        containerName: what.service ?? '',
        imageRef: what.image ?? '',
        trigger: `authz:service-${what.action}`,
      };
    case 'build':
      return { containerId: '', containerName: '', imageRef: '', trigger: `authz:build` };
    case 'swarm-join':
      return { containerId: '', containerName: '', imageRef: '', trigger: 'authz:swarm-join' };
    case 'malformed':
      return { containerId: '', containerName: '', imageRef: '', trigger: 'authz:malformed' };
  }
}

/**
 * The record of a create or container action the plugin let through: what dockerd was told
 * it may do, before anything ran. What the decision looked up (container, image) is in it.
 */
function allowedRecord(what: DecidedRequest, decision: AuthzDecision, time: Date): DecisionRecord {
  const asked = askedFor(what);
  const subject = decision.subject;
  return {
    time: time.toISOString(),
    containerId: subject?.container?.id ?? asked.containerId,
    containerName: subject?.container?.name ?? asked.containerName,
    imageRef: subject?.imageRef ?? asked.imageRef,
    imageId: subject?.imageId ?? '',
    digests: subject?.digests ?? [],
    decision: 'allowed',
    reason: decision.message,
    ...(decision.allowedBy ? { allowedBy: decision.allowedBy } : {}),
    trigger: asked.trigger,
  };
}
