import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import {
  denialMessage,
  EngineAuthzDecider,
  type AdmissionPolicy,
} from '../../../../electron/engine/authz/engine-decider.js';
import {
  decideImage,
  indexAllowlist,
} from '../../../../electron/engine/policy/allowlist-policy.js';

const ALLOWED = `sha256:${'a'.repeat(64)}` as const;
const UNKNOWN = `sha256:${'b'.repeat(64)}`;
const PULLED = `sha256:${'c'.repeat(64)}`;
const CONTAINER = 'd'.repeat(64);

/** A dockerode stand-in: images by reference, one container; counts the calls. */
function fakeDocker(calls: string[]): Docker {
  const images: Record<string, { Id: string; RepoDigests: string[] }> = {
    'team/ok:1': { Id: ALLOWED, RepoDigests: [] },
    'team/evil:1': { Id: UNKNOWN, RepoDigests: [] },
    [UNKNOWN]: { Id: UNKNOWN, RepoDigests: [] },
    'reg:5000/team/pulled:1': { Id: UNKNOWN, RepoDigests: [`reg:5000/team/pulled@${PULLED}`] },
  };
  const notFound = () => Object.assign(new Error('no such thing'), { statusCode: 404 });
  return {
    getImage: (ref: string) => ({
      inspect: async () => {
        calls.push(`image ${ref}`);
        const image = images[ref];
        if (!image) throw notFound();
        return { ...image, RepoTags: [] };
      },
    }),
    getContainer: (id: string) => ({
      inspect: async () => {
        calls.push(`container ${id}`);
        if (id !== CONTAINER && id !== 'named') throw notFound();
        return { Id: CONTAINER, Name: '/evil', Image: UNKNOWN, Config: { Image: 'team/evil:1' } };
      },
    }),
  } as unknown as Docker;
}

const policy = (enforcing = true): AdmissionPolicy => ({
  preventionPolicy: () => ({ enforcing, builds: 'allow' }),
  decideImageForAdmission: async (_ref, image) => ({
    enforcing,
    verdict: decideImage(
      image,
      indexAllowlist([{ digest: ALLOWED, addedAt: new Date().toISOString(), source: 'manual' }]),
    ),
  }),
});

describe('EngineAuthzDecider', () => {
  it('allows an allowlisted image and denies another with an actionable message', async () => {
    const decider = new EngineAuthzDecider(fakeDocker([]), policy());
    expect(await decider.decide({ kind: 'create', image: 'team/ok:1' })).toMatchObject({
      allowed: true,
    });
    const denied = await decider.decide({ kind: 'create', image: 'team/evil:1' });
    expect(denied.allowed).toBe(false);
    expect(denied.message).toContain(`image team/evil:1 (${UNKNOWN}) may not create a container`);
    expect(denied.message).toContain('not on the allowlist');
    expect(denied.message).toContain(`To approve it: gatehouse allowlist add ${UNKNOWN}`);
  });

  it('gives a denial what the decision log needs: image, digests, actionable reason', async () => {
    const decider = new EngineAuthzDecider(fakeDocker([]), policy());
    expect(
      (await decider.decide({ kind: 'create', image: 'reg:5000/team/pulled:1' })).refused,
    ).toEqual({
      imageRef: 'reg:5000/team/pulled:1',
      imageId: UNKNOWN,
      digests: [PULLED],
      reason: `not on the allowlist: neither its digests (${PULLED}) nor its image ID ${UNKNOWN}. To approve it: gatehouse allowlist add ${PULLED}`,
    });
    // A container action: the container's full ID and name too, whatever the request named.
    for (const named of [CONTAINER, 'named'])
      expect(
        (await decider.decide({ kind: 'container', container: named, action: 'start' })).refused,
      ).toMatchObject({
        imageRef: 'team/evil:1',
        imageId: UNKNOWN,
        digests: [],
        container: { id: CONTAINER, name: 'evil' },
      });
    // Allowed: nothing refused.
    expect((await decider.decide({ kind: 'create', image: 'team/ok:1' })).refused).toBeUndefined();
  });

  it('names the registry digest to approve when Docker has one', async () => {
    const denied = await new EngineAuthzDecider(fakeDocker([]), policy()).decide({
      kind: 'create',
      image: 'reg:5000/team/pulled:1',
    });
    expect(denied.message).toContain(`gatehouse allowlist add ${PULLED}`);
  });

  it('lets a create of a missing image through: dockerd answers 404 and docker run pulls', async () => {
    expect(
      await new EngineAuthzDecider(fakeDocker([]), policy()).decide({
        kind: 'create',
        image: 'team/absent:1',
      }),
    ).toMatchObject({ allowed: true });
  });

  it('resolves the container at every decision: a name or a removed ID may mean another container now', async () => {
    const calls: string[] = [];
    const decider = new EngineAuthzDecider(fakeDocker(calls), policy());
    const first = await decider.decide({
      kind: 'container',
      container: CONTAINER,
      action: 'start',
    });
    expect(first.allowed).toBe(false);
    expect(first.message).toContain(`may not start container ${CONTAINER.slice(0, 12)}`);
    const before = calls.filter((c) => c.startsWith('container')).length;
    await decider.decide({ kind: 'container', container: CONTAINER, action: 'exec' });
    expect(calls.filter((c) => c.startsWith('container')).length).toBe(before + 1);
    // A name is never cached: it may name another container tomorrow.
    await decider.decide({ kind: 'container', container: 'named', action: 'start' });
    await decider.decide({ kind: 'container', container: 'named', action: 'start' });
    expect(calls.filter((c) => c === 'container named')).toHaveLength(2);
  });

  it('lets everything through when not enforcing (enforcement off or audit mode)', async () => {
    const decider = new EngineAuthzDecider(fakeDocker([]), policy(false));
    expect(await decider.decide({ kind: 'create', image: 'team/evil:1' })).toMatchObject({
      allowed: true,
    });
    expect(
      await decider.decide({ kind: 'container', container: CONTAINER, action: 'start' }),
    ).toMatchObject({ allowed: true });
  });

  it('rethrows lookup failures other than 404 (the server then denies)', async () => {
    const docker = {
      getImage: () => ({
        inspect: async () => {
          throw Object.assign(new Error('daemon unavailable'), { statusCode: 500 });
        },
      }),
    } as unknown as Docker;
    await expect(
      new EngineAuthzDecider(docker, policy()).decide({ kind: 'create', image: 'x' }),
    ).rejects.toThrow('daemon unavailable');
  });

  it('asks just in time when asked to, and lets the create through only if approved', async () => {
    const asked: string[] = [];
    const answer: { value: boolean | undefined } = { value: true };
    const decider = new EngineAuthzDecider(fakeDocker([]), policy(), async (ref, digest) => {
      asked.push(`${ref} ${digest}`);
      return answer.value;
    });
    expect(await decider.decide({ kind: 'create', image: 'team/ok:1' })).toMatchObject({
      allowed: true,
    });
    expect(asked).toEqual([]);
    expect(await decider.decide({ kind: 'create', image: 'team/evil:1' })).toMatchObject({
      allowed: true,
    });
    answer.value = false;
    const denied = await decider.decide({ kind: 'create', image: 'team/evil:1' });
    expect(denied).toMatchObject({ allowed: false });
    expect(denied.message).toContain('not approved in time');
    expect(denied.refused?.reason).toMatch(
      new RegExp(`^not approved when asked; not on the allowlist: .*allowlist add ${UNKNOWN}$`),
    );
    expect(asked).toEqual([`team/evil:1 ${UNKNOWN}`, `team/evil:1 ${UNKNOWN}`]);
    // Nobody asked (the setting is off): the plain denial.
    answer.value = undefined;
    const plain = await decider.decide({ kind: 'create', image: 'team/evil:1' });
    expect(plain).toMatchObject({ allowed: false });
    expect(plain.message).not.toContain('not approved in time');
  });

  it('formats a denial on one line', () => {
    expect(denialMessage('a:1', { imageId: UNKNOWN, digests: [] }, 'run', 'why')).toBe(
      `image a:1 (${UNKNOWN}) may not run: why. To approve it: gatehouse allowlist add ${UNKNOWN}`,
    );
  });
});
