import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TrustAnchor, TrustPolicy } from '../../../../shared/api/trust-schemas.js';
import { RegistryClient } from '../../../../electron/engine/registry/registry-client.js';
import { admitBySignature } from '../../../../electron/engine/signatures/signature-admission.js';
import type {
  SignatureValidator,
  ValidatorRegistry,
} from '../../../../electron/engine/signatures/signature-validator.js';
import { VerificationService } from '../../../../electron/engine/signatures/verification-service.js';
import { addPolicy, removePolicy } from '../../../../electron/engine/policy/trust-policy-editor.js';
import { DEFAULT_SETTINGS } from '../../../../electron/engine/store/settings-store.js';

/** Validators faked by the digests they accept; real ones are tested against real signatures. */
function fakeCosign(valid: Set<string>, calls: string[]): SignatureValidator<'cosign-key'> {
  return {
    kind: 'cosign-key',
    async verify(subject) {
      calls.push(`${subject.reference.repository}@${subject.digest}`);
      await new Promise((r) => setTimeout(r, 5));
      if (subject.digest.endsWith('f'.repeat(8))) throw new Error('registry unreachable');
      return valid.has(subject.digest)
        ? { ok: true, reason: 'valid', signer: 'key:abc' }
        : { ok: false, reason: 'signed by a different key' };
    },
  };
}

const d = (c: string) => `sha256:${c.repeat(64)}` as const;
const key = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();
const anchor: TrustAnchor = { kind: 'cosign-key', publicKey: key };
const policy = (
  name: string,
  scope: string,
  anchors: TrustAnchor[] = [anchor],
  threshold = 1,
): TrustPolicy => ({
  name,
  scope,
  threshold,
  anchors,
  addedAt: new Date().toISOString(),
});

function setup(valid: string[]) {
  const calls: string[] = [];
  const validators: ValidatorRegistry = { 'cosign-key': fakeCosign(new Set(valid), calls) };
  return { calls, service: new VerificationService(new RegistryClient(), validators) };
}

describe('admission by signature', () => {
  const policies = [
    policy('team', 'registry.example/team/**'),
    policy('app', 'registry.example/team/app'),
  ];

  it('verifies the digest Docker pulled for the named repository under the most specific policy', async () => {
    const { calls, service } = setup([d('a')]);
    const image = {
      repoDigests: [`other.example/x@${d('b')}`, `registry.example/team/app@${d('a')}`],
    };
    const result = await admitBySignature('registry.example/team/app:1', image, policies, service);
    expect(result).toMatchObject({ kind: 'verified', digest: d('a'), policy: { name: 'app' } });
    expect(calls).toEqual([`registry.example/team/app@${d('a')}`]);
  });

  it('has nothing to verify without a policy, or without a digest from that repository', async () => {
    const { service } = setup([d('a')]);
    expect(
      await admitBySignature(
        'docker.io/library/redis:7',
        { repoDigests: [`redis@${d('a')}`] },
        policies,
        service,
      ),
    ).toEqual({
      kind: 'no-policy',
      reason: 'no trust policy covers docker.io/library/redis',
    });
    const local = await admitBySignature(
      'registry.example/team/app:1',
      { repoDigests: [`registry.example/team/other@${d('a')}`] },
      policies,
      service,
    );
    expect(local).toMatchObject({ kind: 'failed' });
    expect(local.kind === 'failed' && local.reason).toMatch(
      /no registry digest of this image for that repository/,
    );
    expect(
      (await admitBySignature(d('a').slice(7), { repoDigests: [] }, policies, service)).kind,
    ).toBe('no-policy');
  });

  it('a container created by digest is verified for exactly that digest', async () => {
    const { service } = setup([d('a'), d('c')]);
    const image = {
      repoDigests: [`registry.example/team/app@${d('a')}`, `registry.example/team/app@${d('c')}`],
    };
    expect(
      await admitBySignature(`registry.example/team/app@${d('c')}`, image, policies, service),
    ).toMatchObject({ digest: d('c') });
    expect(
      (await admitBySignature(`registry.example/team/app@${d('e')}`, image, policies, service))
        .kind,
    ).toBe('failed');
  });

  it('verifies once for concurrent starts and remembers a failure until policies change', async () => {
    const { calls, service } = setup([d('a')]);
    const image = { repoDigests: [`registry.example/team/app@${d('b')}`] };
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        admitBySignature('registry.example/team/app:1', image, policies, service),
      ),
    );
    expect(
      results.every((r) => r.kind === 'failed' && /signed by a different key/.test(r.reason)),
    ).toBe(true);
    expect(calls).toHaveLength(1);
    await admitBySignature('registry.example/team/app:1', image, policies, service);
    expect(calls).toHaveLength(1);
    service.forgetFailures();
    await admitBySignature('registry.example/team/app:1', image, policies, service);
    expect(calls).toHaveLength(2);
  });

  it('needs `threshold` anchors; a validator that throws is a failure with its message', async () => {
    const { service } = setup([d('a')]);
    const two = [policy('two', 'registry.example/**', [anchor, anchor], 2)];
    const ok = await admitBySignature(
      'registry.example/x:1',
      { repoDigests: [`registry.example/x@${d('a')}`] },
      two,
      service,
    );
    expect(ok.kind).toBe('verified');
    const withNotation = [
      policy(
        'mixed',
        'registry.example/**',
        [anchor, { kind: 'notation', certificates: key, trustedIdentities: ['*'] }],
        2,
      ),
    ];
    const short = await admitBySignature(
      'registry.example/y:1',
      { repoDigests: [`registry.example/y@${d('a')}`] },
      withNotation,
      service,
    );
    expect(short.kind === 'failed' && short.reason).toMatch(
      /1 of the 2 required anchors verified.*notation: no notation validator/,
    );
    const broken = await admitBySignature(
      'registry.example/z:1',
      { repoDigests: [`registry.example/z@${d('f')}`] },
      two,
      service,
    );
    expect(broken.kind === 'failed' && broken.reason).toMatch(/cosign-key: registry unreachable/);
  });
});

describe('editing trust policies', () => {
  const now = new Date('2026-11-23T00:00:00Z');

  it('normalises the scope, names the policy and refuses duplicates', () => {
    const { settings, policy: p } = addPolicy(
      DEFAULT_SETTINGS,
      { scope: 'team/*', anchors: [anchor] },
      now,
    );
    expect(p).toMatchObject({ name: 'docker.io-team', scope: 'docker.io/team/*', threshold: 1 });
    expect(() =>
      addPolicy(settings, { scope: 'docker.io/team/*', anchors: [anchor] }, now),
    ).toThrow(/already covers docker.io\/team\/\*/);
    expect(() =>
      addPolicy(settings, { name: 'docker.io-team', scope: 'ghcr.io/x', anchors: [anchor] }, now),
    ).toThrow(/already exists/);
    expect(removePolicy(settings, 'docker.io-team').trustPolicies).toEqual([]);
    expect(() => removePolicy(settings, 'nope')).toThrow(
      /no trust policy named "nope" \(existing: docker.io-team\)/,
    );
  });

  it('refuses anchors that do not parse, naming which and why', () => {
    expect(() =>
      addPolicy(
        DEFAULT_SETTINGS,
        {
          scope: 'ghcr.io/acme/**',
          anchors: [
            anchor,
            {
              kind: 'cosign-key',
              publicKey: '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n',
            },
          ],
        },
        now,
      ),
    ).toThrow(/anchor 2 \(cosign-key\): the cosign public key is not a PEM public key/);
    expect(() =>
      addPolicy(
        DEFAULT_SETTINGS,
        {
          scope: 'ghcr.io/acme/**',
          anchors: [
            { kind: 'cosign-keyless', identity: { regex: '(' }, issuer: 'https://issuer.example' },
          ],
        },
        now,
      ),
    ).toThrow(
      /anchor 1 \(cosign-keyless\): identity expression \/\(\/ is not an RE2 regular expression .*missing closing \)/,
    );
    expect(() =>
      addPolicy(
        DEFAULT_SETTINGS,
        { scope: 'ghcr.io/acme/**', threshold: 2, anchors: [anchor] },
        now,
      ),
    ).toThrow(/threshold: the threshold cannot exceed the number of anchors/);
    expect(() =>
      addPolicy(DEFAULT_SETTINGS, { scope: 'ghcr.io/Acme', anchors: [anchor] }, now),
    ).toThrow();
  });
});
