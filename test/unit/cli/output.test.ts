import { describe, expect, it } from 'vitest';
import { formatDecision, formatPrevention, shown } from '../../../electron/cli/output.js';
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

describe('hostile text on the terminal', () => {
  /** Bytes a terminal acts on: ESC, BEL, CR, LF and the Unicode line separators. */
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  const RAW = /[\x1b\x07\r\n\u2028\u2029\u202e]/;

  it('prints a prevented start of /containers/%1b%5b2J%1b%5d0;PWNED%07 escaped', () => {
    const line = formatDecision(
      record({
        decision: 'prevented',
        trigger: 'authz:start',
        containerId: '',
        containerName: '\x1b[2J\x1b]0;PWNED\x07',
        imageRef: 'x\u202etxt.exe',
        reason: 'no such container',
      }),
    );
    expect(line).not.toMatch(RAW);
    expect(line).toBe(
      '2026-11-23T12:00:00.000Z PREVENTED   start \\x1b[2J\\x1b]0;PWNED\\x07 image x\\u202etxt.exe [bbbbbbbbbbbb]: no such container',
    );
  });

  it('cannot forge an ALLOWED line over a PREVENTED one with a carriage return or newline', () => {
    const forged = 'app\r2026-11-23T12:00:00.000Z ALLOWED     app';
    const line = formatDecision(record({ decision: 'prevented', containerName: forged }));
    expect(line).not.toMatch(RAW);
    expect(line).toContain('app\\r2026-11-23T12:00:00.000Z ALLOWED');
    expect(formatDecision(record({ reason: 'a\nb', actionError: 'c\u2028d' }))).toMatch(
      /: a\\nb -- c\\u2028d$/,
    );
  });

  it("keeps the line's own text and escapes only the values", () => {
    expect(shown`added ${'sha256:x\x1b'} (${42})`).toBe('added sha256:x\\x1b (42)');
  });
});
