import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { apiRequestSchemas } from '../../../shared/api/channels.js';
import { settingsSchema } from '../../../shared/api/schemas.js';
import { parseAllowlistText } from '../../../shared/allowlist-text.js';

/** What a refused request's issues say, one string. */
function refusal(channel: keyof typeof apiRequestSchemas, body: unknown): string {
  const parsed = apiRequestSchemas[channel].safeParse(body);
  expect(parsed.success).toBe(false);
  return parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') ?? '';
}

const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PUBLIC = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const PRIVATE = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const EC_PRIVATE = pair.privateKey.export({ type: 'sec1', format: 'pem' }).toString();
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const ISSUER = 'https://token.actions.githubusercontent.com';

describe('free text people read is one plain line', () => {
  it.each([
    ['ESC', 'app\x1b[2J'],
    ['BEL', 'app\x07'],
    ['CR', 'app\rALLOWED'],
    ['U+2028', 'app\u2028x'],
    ['a bidi override', 'app\u202etxt.exe'],
    ['C1 CSI', 'app\u009b2J'],
  ])('refuses a label with %s, naming it', (_what, label) => {
    expect(refusal('allowlist.add', { entries: [DIGEST], label })).toMatch(
      /^label: a label cannot contain control characters, line breaks or bidi controls: found \\(x[0-9a-f]{2}|r|u[0-9a-f]{4}) at position 4$/,
    );
  });

  it('refuses the same in an imported # comment, which becomes the label', () => {
    expect(parseAllowlistText(`${DIGEST} # ok\n${DIGEST} # evil\x1b]0;x\x07\n`).problems).toEqual([
      {
        line: 2,
        message:
          'line 2: a label (# comment) cannot contain control characters, line breaks or bidi controls: found \\x1b at position 5',
      },
    ]);
  });

  it('refuses control characters in keyless identities, issuers and Notation identities', () => {
    const keyless = (identity: object, issuer = ISSUER) => ({
      scope: 'ghcr.io/acme/**',
      anchors: [{ kind: 'cosign-keyless', identity, issuer }],
    });
    expect(refusal('trust.add', keyless({ exact: 'ci@acme.com\x1b[2J' }))).toMatch(
      /a keyless identity cannot contain control characters/,
    );
    expect(refusal('trust.add', keyless({ regex: '.*@acme\\.com\u2028' }))).toMatch(
      /a keyless identity expression cannot contain control characters/,
    );
    expect(refusal('trust.add', keyless({ exact: 'ci@acme.com' }, `${ISSUER}\x07`))).toMatch(
      /the OIDC issuer cannot contain control characters/,
    );
    expect(
      refusal('trust.add', {
        scope: 'ghcr.io/acme/**',
        anchors: [{ kind: 'notation', certificates: PUBLIC, trustedIdentities: ['CN=a\u202ex'] }],
      }),
    ).toMatch(/a Notation identity cannot contain control characters/);
  });

  it('bounds a keyless identity expression at 1024 characters', () => {
    const long = {
      scope: 'ghcr.io/acme/**',
      anchors: [{ kind: 'cosign-keyless', identity: { regex: 'a'.repeat(1025) }, issuer: ISSUER }],
    };
    expect(refusal('trust.add', long)).toMatch(
      /a keyless identity expression is at most 1024 characters/,
    );
  });
});

describe('private keys are never accepted', () => {
  it.each([
    ['PRIVATE KEY', `${PUBLIC}${PRIVATE}`],
    ['EC PRIVATE KEY', `${PUBLIC}\n${EC_PRIVATE}`],
  ])('refuses a cosign key file holding a public key and a %s block', (block, pem) => {
    const message = refusal('trust.add', {
      scope: 'ghcr.io/acme/**',
      anchors: [{ kind: 'cosign-key', publicKey: pem }],
    });
    expect(message).toBe(
      `anchors.0.publicKey: a cosign public key holds a private key (a "${block}" block): give only the public part; a private key is never stored`,
    );
    // The refusal names the block, never its content.
    expect(message).not.toContain(pem.split('\n')[1]);
  });

  it('refuses one as a Rekor key, a Notary root or CA, a Notation certificate or a trusted root', () => {
    const withKey = `${PUBLIC}${PRIVATE}`;
    const anchors = [
      { kind: 'cosign-key', publicKey: PUBLIC, rekorPublicKey: withKey },
      { kind: 'notary-v1', server: 'https://notary.example', rootKey: withKey },
      { kind: 'notary-v1', server: 'https://notary.example', rootKey: 'a'.repeat(64), ca: withKey },
      { kind: 'notation', certificates: withKey },
      {
        kind: 'cosign-keyless',
        identity: { exact: 'a@b.c' },
        issuer: ISSUER,
        trustedRoot: withKey,
      },
    ];
    for (const anchor of anchors)
      expect(refusal('trust.add', { scope: 'ghcr.io/acme/**', anchors: [anchor] })).toMatch(
        /holds a private key \(a "PRIVATE KEY" block\)/,
      );
  });
});

describe('the settings file', () => {
  const settings = (quarantine: string) =>
    JSON.parse(
      `{"schemaVersion":1,"enforcement":{"enabled":true,"mode":"enforce"},"allowlist":[],"quarantine":${quarantine}}`,
    );

  it('refuses a __proto__ key in quarantine, which zod would otherwise skip unchecked', () => {
    const parsed = settingsSchema.safeParse(
      settings('{"__proto__":{"containerName":1,"polluted":true}}'),
    );
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toEqual([
      expect.objectContaining({
        path: ['quarantine'],
        message: 'the key "__proto__" is not allowed',
      }),
    ]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('still reads a valid quarantine', () => {
    const record = `{"containerName":"x","imageId":"${DIGEST}","quarantinedAt":"2026-01-01T00:00:00.000Z","reason":"r"}`;
    expect(settingsSchema.parse(settings(`{"${'c'.repeat(64)}":${record}}`)).quarantine).toEqual({
      ['c'.repeat(64)]: JSON.parse(record),
    });
  });
});

describe('instances', () => {
  it('refuses an uppercase repository name, which Docker would take for a registry host', () => {
    expect(refusal('instance.add', { name: 'app', image: 'UPPER/x:1', run: {} })).toMatch(
      /^image: in "UPPER\/x:1": repository names must be lowercase: "UPPER"/,
    );
  });
});
