import { describe, expect, it } from 'vitest';
import { formatDecision, formatPrevention } from '../../../electron/cli/output.js';
import type { DecisionRecord } from '../../../shared/api/schemas.js';

const IMAGE_ID = `sha256:${'b'.repeat(64)}`;
const CONTAINER = `${'0123456789ab'}${'d'.repeat(52)}`;

const record = (overrides: Partial<DecisionRecord>): DecisionRecord => ({
  time: '2026-11-23T12:00:00.000Z',
  containerId: CONTAINER,
  containerName: 'web',
  imageRef: 'team/app:1',
  imageId: IMAGE_ID,
  digests: [],
  decision: 'removed',
  reason: 'not on the allowlist',
  trigger: 'start',
  ...overrides,
});

describe('formatDecision', () => {
  it('prints a guard decision as before', () => {
    expect(formatDecision(record({}))).toBe(
      '2026-11-23T12:00:00.000Z REMOVED     web (0123456789ab) image team/app:1 [bbbbbbbbbbbb]: not on the allowlist',
    );
  });

  /** A refused create: no container; the name it asked for, if any. */
  const refused = (overrides: Partial<DecisionRecord> = {}) =>
    formatDecision(
      record({ decision: 'prevented', containerId: '', trigger: 'authz:create', ...overrides }),
    );

  it('prints a prevented create with its action and requested name, without an empty container ID', () => {
    expect(refused()).toBe(
      '2026-11-23T12:00:00.000Z PREVENTED   create web image team/app:1 [bbbbbbbbbbbb]: not on the allowlist',
    );
    expect(refused({ containerName: '' })).toContain('PREVENTED   create image team/app:1');
  });

  it('prints a prevented start with the container, and a refusal that knows no image', () => {
    expect(formatDecision(record({ decision: 'prevented', trigger: 'authz:start' }))).toContain(
      'PREVENTED   start web (0123456789ab) image team/app:1 [bbbbbbbbbbbb]:',
    );
    expect(
      refused({
        containerName: '',
        imageRef: '',
        imageId: '',
        trigger: 'authz:malformed',
        reason: 'the create request has no readable JSON body; refused',
      }),
    ).toBe(
      '2026-11-23T12:00:00.000Z PREVENTED   malformed image (unknown): the create request has no readable JSON body; refused',
    );
  });
});

describe('formatPrevention', () => {
  it("says the plugin's state here and what to do", () => {
    expect(
      formatPrevention({
        ask: true,
        builds: 'allow',
        plugin: { state: 'serving', socketPath: '/run/g.sock' },
      }),
    ).toBe(
      'on: serving the authorization plugin on /run/g.sock (asks before refusing: yes; WARNING: builds are allowed and their steps run undecided; refuse them: gatehouse prevention builds refuse)',
    );
    expect(
      formatPrevention({
        ask: false,
        builds: 'refuse',
        plugin: { state: 'serving', socketPath: '/run/g.sock' },
      }),
    ).toBe(
      'on: serving the authorization plugin on /run/g.sock (asks before refusing: no; builds refused while enforcing)',
    );
    expect(formatPrevention({ ask: false, builds: 'allow', plugin: { state: 'off' } })).toBe(
      'off, reactive guard only; turn it on: gatehouse daemon --authz-socket /run/gatehouse/authz.sock, then sudo gatehouse authz install',
    );
    expect(
      formatPrevention({
        ask: false,
        builds: 'allow',
        plugin: { state: 'unsupported', reason: 'Docker Desktop' },
      }),
    ).toBe('unsupported: Docker Desktop');
  });
});
