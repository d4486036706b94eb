import type { DecisionRecord } from '../../../shared/api/schemas.js';
import type { AuthzDecision, DecidedRequest } from './authz-server.js';

const FULL_ID = /^[0-9a-f]{64}$/;

/**
 * The decision-log record of a request the plugin decided: kind `allowed` for what it let
 * through (with what allowed it), `prevented` for a refusal; trigger `authz:create`,
 * `authz:start`, ... A create has no container yet (ID ''; the name when the request gave
 * one). What the decision looked up (image, digests, the container's full ID and name) fills
 * the rest; a decision that looked nothing up (a timeout, a failed lookup, a malformed
 * request) keeps what the request itself said.
 */
export function preventionRecord(
  what: DecidedRequest,
  decision: AuthzDecision,
  time = new Date(),
): DecisionRecord {
  const looked = decision.allowed ? decision.subject : decision.refused;
  const asked = askedFor(what);
  return {
    time: time.toISOString(),
    containerId: looked?.container?.id ?? asked.containerId,
    containerName: looked?.container?.name ?? asked.containerName,
    imageRef: looked?.imageRef ?? asked.imageRef,
    imageId: looked?.imageId ?? '',
    digests: looked?.digests ?? [],
    decision: decision.allowed ? 'allowed' : 'prevented',
    reason: decision.refused?.reason ?? decision.message,
    ...(decision.allowed && decision.allowedBy ? { allowedBy: decision.allowedBy } : {}),
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
