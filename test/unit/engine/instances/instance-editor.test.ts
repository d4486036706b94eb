import { describe, expect, it } from 'vitest';
import { settingsSchema } from '../../../../shared/api/schemas.js';
import { instanceSchema, newInstanceSchema } from '../../../../shared/api/instance-schemas.js';
import {
  addInstance,
  effectiveAllowlist,
  removeInstance,
  updateInstance,
  viewOf,
  withDigest,
  withProblem,
} from '../../../../electron/engine/instances/instance-editor.js';
import {
  containerSpec,
  pinnedReference,
} from '../../../../electron/engine/instances/container-spec.js';
import { instanceCredentialSource } from '../../../../electron/engine/instances/instance-registry.js';
import { decideImage } from '../../../../electron/engine/policy/allowlist-policy.js';
import { InvalidInputError } from '../../../../electron/engine/policy/allowlist-editor.js';
import { DEFAULT_SETTINGS } from '../../../../electron/engine/store/settings-store.js';
import type { Settings } from '../../../../shared/api/schemas.js';

const NOW = new Date('2026-01-02T03:04:05.000Z');
const d = (c: string) => `sha256:${c.repeat(64)}` as const;
const withPolicy: Settings = {
  ...DEFAULT_SETTINGS,
  trustPolicies: [
    {
      name: 'team',
      scope: '127.0.0.1:5000/team/**',
      threshold: 1,
      anchors: [
        {
          kind: 'cosign-key',
          publicKey: '-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----\n',
        },
      ],
      addedAt: NOW.toISOString(),
    },
  ],
} as Settings;

describe('the settings schema', () => {
  it('loads a file saved before instances existed, with none', () => {
    const old: Partial<Settings> = { ...DEFAULT_SETTINGS };
    delete old.instances;
    expect(settingsSchema.parse(old).instances).toEqual([]);
  });

  it('validates every field of an instance', () => {
    const good = {
      name: 'web',
      image: '127.0.0.1:5000/team/web:1',
      enabled: true,
      digest: d('a'),
      createdAt: NOW.toISOString(),
      run: {
        command: ['sh', '-c', 'sleep 1'],
        env: ['A=1'],
        volumes: [{ source: '/data', target: '/d', readOnly: true }],
        ports: [{ hostPort: 8080, containerPort: 80 }],
        restart: 'always',
        network: 'bridge',
      },
    };
    expect(instanceSchema.parse(good).run.ports[0]?.protocol).toBe('tcp');
    const bad = (patch: object) => instanceSchema.safeParse({ ...good, ...patch }).success;
    expect(bad({ name: 'Web' })).toBe(false);
    expect(bad({ name: '-web' })).toBe(false);
    expect(bad({ image: 'team/UPPER' })).toBe(false);
    expect(bad({ image: `127.0.0.1:5000/team/web@${d('a')}` })).toBe(false);
    expect(bad({ digest: 'sha256:abc' })).toBe(false);
    expect(bad({ digest: d('A') })).toBe(false);
    expect(bad({ run: { ...good.run, ports: [{ hostPort: 0, containerPort: 80 }] } })).toBe(false);
    expect(bad({ run: { ...good.run, ports: [{ hostPort: 70000, containerPort: 80 }] } })).toBe(
      false,
    );
    expect(bad({ run: { ...good.run, env: ['no-equals'] } })).toBe(false);
    expect(bad({ run: { ...good.run, volumes: [{ source: 'rel/path', target: '/d' }] } })).toBe(
      false,
    );
    expect(bad({ run: { ...good.run, volumes: [{ source: '/a', target: 'rel' }] } })).toBe(false);
    expect(bad({ run: { ...good.run, restart: 'sometimes' } })).toBe(false);
    expect(bad({ extra: true })).toBe(false);
    expect(bad({})).toBe(true);
  });

  it('gives new instances run defaults', () => {
    const parsed = newInstanceSchema.parse({ name: 'a', image: 'busybox:1', digest: d('b') });
    expect(parsed.enabled).toBe(true);
    expect(parsed.run).toEqual({ env: [], volumes: [], ports: [], restart: 'unless-stopped' });
  });
});

describe('instance edits', () => {
  it('adds an instance with a digest or a trust policy, and refuses duplicates and bad input', () => {
    const { settings, instance } = addInstance(
      withPolicy,
      { name: 'web', image: '127.0.0.1:5000/team/web:1', trustPolicy: 'team' },
      NOW,
    );
    expect(instance).toMatchObject({ name: 'web', enabled: true, createdAt: NOW.toISOString() });
    expect(() =>
      addInstance(settings, { name: 'web', image: 'busybox', digest: d('a') }, NOW),
    ).toThrow(/already exists/);
    expect(() => addInstance(settings, { name: 'x', image: 'busybox' }, NOW)).toThrow(
      /digest or a trust policy/,
    );
    expect(() =>
      addInstance(settings, { name: 'x', image: 'busybox', trustPolicy: 'nope' }, NOW),
    ).toThrow(/no trust policy named "nope"/);
    expect(() =>
      addInstance(settings, { name: 'x', image: 'busy box', digest: d('a') }, NOW),
    ).toThrow(InvalidInputError);
  });

  it('updates, pins, records problems and removes', () => {
    const { settings } = addInstance(
      withPolicy,
      { name: 'web', image: 'busybox', trustPolicy: 'team' },
      NOW,
    );
    const pinned = updateInstance(settings, 'web', (i) =>
      withDigest(withProblem(i, 'failed'), d('c')),
    );
    expect(pinned.instances[0]).toMatchObject({ digest: d('c') });
    expect(pinned.instances[0]?.problem).toBeUndefined();
    const failed = updateInstance(pinned, 'web', (i) => withProblem(i, 'bad signature'));
    expect(failed.instances[0]?.problem).toBe('bad signature');
    expect(
      updateInstance(failed, 'web', (i) => withDigest(i, undefined)).instances[0]?.digest,
    ).toBeUndefined();
    expect(removeInstance(failed, 'web').instances).toEqual([]);
    expect(() => removeInstance(failed, 'other')).toThrow(/no instance named "other"/);
  });

  it('hides credentials in views', () => {
    const { instance } = addInstance(
      DEFAULT_SETTINGS,
      {
        name: 'a',
        image: 'busybox',
        digest: d('a'),
        credentials: { username: 'u', password: 'p' },
      },
      NOW,
    );
    const view = viewOf(instance, { id: 'abc', state: 'running' });
    expect(view).not.toHaveProperty('credentials');
    expect(view).toMatchObject({ hasCredentials: true, container: { state: 'running' } });
  });
});

describe('the effective allowlist', () => {
  const instances = addInstance(
    addInstance(DEFAULT_SETTINGS, { name: 'on', image: 'busybox', digest: d('a') }, NOW).settings,
    { name: 'off', image: 'busybox', digest: d('b'), enabled: false },
    NOW,
  ).settings.instances;

  it('holds the digests of enabled instances only, and allows by instance', () => {
    const index = effectiveAllowlist([], instances);
    expect([...index.keys()]).toEqual([d('a')]);
    const verdict = decideImage({ imageId: d('f'), digests: [d('a')] }, index);
    expect(verdict).toMatchObject({
      allowed: true,
      allowedBy: { kind: 'instance', digest: d('a'), instance: 'on' },
    });
    expect(decideImage({ imageId: d('f'), digests: [d('b')] }, index).allowed).toBe(false);
  });

  it('prefers an allowlist entry for the same digest', () => {
    const index = effectiveAllowlist(
      [{ digest: d('a'), addedAt: NOW.toISOString(), source: 'manual', label: 'mine' }],
      instances,
    );
    expect(decideImage({ imageId: d('f'), digests: [d('a')] }, index).allowedBy).toEqual({
      kind: 'entry',
      digest: d('a'),
      label: 'mine',
    });
  });
});

describe('the container spec', () => {
  it('pins the digest, labels the container and maps the run options', () => {
    const instance = instanceSchema.parse({
      name: 'web',
      image: '127.0.0.1:5000/team/web:1',
      enabled: true,
      digest: d('a'),
      createdAt: NOW.toISOString(),
      run: {
        command: ['sleep', '1'],
        env: ['A=1'],
        volumes: [{ source: 'data', target: '/d', readOnly: true }],
        ports: [{ hostPort: 8080, containerPort: 80 }],
        restart: 'always',
        network: 'host',
      },
    });
    expect(pinnedReference(instance.image, d('a'))).toBe(`127.0.0.1:5000/team/web@${d('a')}`);
    expect(containerSpec(instance, d('a'))).toEqual({
      name: 'web',
      Image: `127.0.0.1:5000/team/web@${d('a')}`,
      Cmd: ['sleep', '1'],
      Env: ['A=1'],
      Labels: { 'dev.gatehouse.instance': 'web', 'dev.gatehouse.instance.digest': d('a') },
      ExposedPorts: { '80/tcp': {} },
      HostConfig: {
        Binds: ['data:/d:ro'],
        PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] },
        RestartPolicy: { Name: 'always' },
        NetworkMode: 'host',
      },
    });
  });
});

describe('registry credentials of an instance', () => {
  it('answer for its registry only; other hosts get the fallback', async () => {
    const fallback = async (host: string) =>
      host === 'other.example'
        ? { kind: 'basic' as const, username: 'd', password: 'e' }
        : undefined;
    const source = instanceCredentialSource(
      '127.0.0.1:5000',
      { username: 'u', password: 'p' },
      fallback,
    );
    expect(await source('127.0.0.1:5000')).toEqual({ kind: 'basic', username: 'u', password: 'p' });
    expect(await source('other.example')).toEqual({ kind: 'basic', username: 'd', password: 'e' });
    expect(await source('third.example')).toBeUndefined();
  });
});
