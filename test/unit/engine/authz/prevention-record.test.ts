import { describe, expect, it } from 'vitest';
import type { AuthzDecision } from '../../../../electron/engine/authz/authz-server.js';
import { preventionRecord } from '../../../../electron/engine/authz/prevention-record.js';
import { decisionRecordSchema } from '../../../../shared/api/schemas.js';

const IMAGE_ID = `sha256:${'b'.repeat(64)}`;
const DIGEST = `sha256:${'c'.repeat(64)}`;
const CONTAINER = 'd'.repeat(64);
const AT = new Date('2026-11-23T12:00:00.000Z');
const REASON = `not on the allowlist: its image ID ${IMAGE_ID}. To approve it: gatehouse allowlist add ${IMAGE_ID}`;

const denial = (refused?: AuthzDecision['refused']): AuthzDecision => ({
  allowed: false,
  message: `image team/app:1 (${IMAGE_ID}) may not create a container: ${REASON}`,
  ...(refused ? { refused } : {}),
});

describe('preventionRecord', () => {
  it('a refused create: no container ID, the requested name, the image, its digests, the reason', () => {
    const record = preventionRecord(
      { kind: 'create', image: 'team/app:1', name: 'web' },
      denial({ imageRef: 'team/app:1', imageId: IMAGE_ID, digests: [DIGEST], reason: REASON }),
      AT,
    );
    expect(record).toEqual({
      time: '2026-11-23T12:00:00.000Z',
      containerId: '',
      containerName: 'web',
      imageRef: 'team/app:1',
      imageId: IMAGE_ID,
      digests: [DIGEST],
      decision: 'prevented',
      reason: REASON,
      trigger: 'authz:create',
    });
    // It is a valid log record.
    expect(decisionRecordSchema.parse(record)).toEqual(record);
    expect(
      preventionRecord({ kind: 'create', image: 'team/app:1' }, denial(), AT).containerName,
    ).toBe('');
  });

  it('a refused start, restart, unpause or exec: the full ID and name the denial looked up', () => {
    for (const action of ['start', 'restart', 'unpause', 'exec'] as const)
      expect(
        preventionRecord(
          { kind: 'container', action, container: 'web' },
          denial({
            imageRef: 'team/app:1',
            imageId: IMAGE_ID,
            digests: [],
            reason: REASON,
            container: { id: CONTAINER, name: 'web' },
          }),
          AT,
        ),
      ).toMatchObject({
        containerId: CONTAINER,
        containerName: 'web',
        imageRef: 'team/app:1',
        trigger: `authz:${action}`,
        reason: REASON,
      });
  });

  it('a denial that looked nothing up (timeout, failed lookup) keeps what the request said', () => {
    const timeout: AuthzDecision = { allowed: false, message: 'no decision within 20 s; refused' };
    expect(
      preventionRecord({ kind: 'container', action: 'start', container: CONTAINER }, timeout, AT),
    ).toMatchObject({
      containerId: CONTAINER,
      containerName: '',
      imageId: '',
      reason: timeout.message,
    });
    expect(
      preventionRecord({ kind: 'container', action: 'exec', container: 'web' }, timeout, AT),
    ).toMatchObject({ containerId: '', containerName: 'web', trigger: 'authz:exec' });
    expect(preventionRecord({ kind: 'create', image: 'team/app:1' }, timeout, AT)).toMatchObject({
      imageRef: 'team/app:1',
      imageId: '',
      digests: [],
    });
    expect(
      preventionRecord(
        { kind: 'malformed', reason: 'no body' },
        { allowed: false, message: 'no body; refused' },
        AT,
      ),
    ).toMatchObject({ trigger: 'authz:malformed', reason: 'no body; refused', imageRef: '' });
  });
});
