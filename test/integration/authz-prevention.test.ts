import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { preventionAsk } from '../../electron/cli/commands/daemon.js';
import { dispatch, engineHandlers } from '../../electron/engine/api/api-handlers.js';
import { EngineAuthzDecider } from '../../electron/engine/authz/engine-decider.js';
import { Engine } from '../../electron/engine/engine.js';
import type { ApiChannel, ApiRequest, ApiResult } from '../../shared/api/channels.js';
import type { DecisionRecord } from '../../shared/api/schemas.js';
import { containerState, must, removeAllContainers } from '../env/containers.js';
import { importImage, pushImage } from '../env/images.js';
import { startPluginBed, type PluginBed } from './support/authz-plugin.js';
import { configDirWith } from './support/engine-harness.js';

/**
 * Prevention: a private dockerd started with `--authorization-plugin` asks Gatehouse's plugin
 * (served here, with the engine's policy) before any container is created or run.
 */
let bed: PluginBed;
let engine: Engine;
let allowedId: string;
let unknownId: string;
let configDir: string;

const docker = (...args: string[]) => bed.dockerd.docker(args);
const ok = (...args: string[]) => must(bed.dockerd, args);
/** The engine's API as every face reaches it (validated requests). */
const api = <K extends ApiChannel>(channel: K, request: ApiRequest<K>) =>
  dispatch(engineHandlers(engine), channel, request) as Promise<ApiResult<K>>;

/** The decision log as the faces read it (`log.list`, from the file). */
const logged = () => api('log.list', { limit: 1000 });
/** The `prevented` records written since `before` (what `logged()` gave then). */
async function preventedSince(before: readonly DecisionRecord[]): Promise<DecisionRecord[]> {
  return (await logged()).slice(before.length).filter((r) => r.decision === 'prevented');
}

beforeAll(async () => {
  bed = await startPluginBed();
  allowedId = await importImage(bed.dockerd, 'prev/allowed:1');
  unknownId = await importImage(bed.dockerd, 'prev/unknown:1');
  configDir = configDirWith({ mode: 'enforce', allow: [allowedId] });
  // The policy only: the reactive guard is not started, so whatever is refused here was
  // refused by the plugin.
  engine = Engine.open({ configDir, dockerHost: bed.dockerd.host });
  bed.decider = new EngineAuthzDecider(engine.docker, engine);
  // As `gatehouse daemon --authz-socket` wires it: every refusal becomes a decision record.
  bed.onDecided = (what, decision) => engine.recordPrevention(what, decision);
});

afterAll(async () => {
  await bed?.dispose();
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

beforeEach(async () => {
  await removeAllContainers(bed.dockerd);
  // Every test starts from the allowlist holding only the allowed image.
  const extra = engine.store
    .get()
    .allowlist.map((e) => e.digest)
    .filter((d) => d !== allowedId);
  if (extra.length) await engine.removeFromAllowlist(extra);
  if (!engine.store.get().allowlist.some((e) => e.digest === allowedId))
    await engine.addToAllowlist([allowedId]);
});

describe('prevention by the authorization plugin', () => {
  it('refuses docker run of a non-allowed image: the message, no container, no output, no file', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gh-prev-out-'));
    const before = await logged();
    try {
      const r = await docker(
        'run',
        '--network',
        'none',
        '--name',
        'intruder',
        '-v',
        `${out}:/out`,
        'prev/unknown:1',
        'sh',
        '-c',
        'touch /out/written; echo RAN',
      );
      expect(r.code).toBe(125);
      expect(r.stdout).not.toContain('RAN');
      expect(r.stderr).toContain(`authorization denied by plugin ${bed.name}: gatehouse: `);
      expect(r.stderr).toContain(`image prev/unknown:1 (${unknownId}) may not create a container`);
      expect(r.stderr).toContain('not on the allowlist');
      expect(r.stderr).toContain(`gatehouse allowlist add ${unknownId}`);
      expect(await containerState(bed.dockerd, 'intruder')).toBe('gone');
      expect(await ok('ps', '-aq')).toBe('');
      expect(readdirSync(out)).toEqual([]);
      // The refusal is in the decision log: no container, the name asked for, the image by ID.
      const [record, ...more] = await preventedSince(before);
      expect(more).toEqual([]);
      expect(record).toMatchObject({
        decision: 'prevented',
        containerId: '',
        containerName: 'intruder',
        imageRef: 'prev/unknown:1',
        imageId: unknownId,
        digests: [],
        trigger: 'authz:create',
      });
      expect(record?.reason).toMatch(/^not on the allowlist: /);
      expect(record?.reason).toContain(`To approve it: gatehouse allowlist add ${unknownId}`);
      expect(r.stderr).toContain(record?.reason);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('refuses a retagged image: the name means nothing, the image ID decides', async () => {
    await ok('tag', 'prev/unknown:1', 'prev/allowed:impostor');
    const r = await docker('run', '--rm', '--network', 'none', 'prev/allowed:impostor', 'true');
    expect(r.code).toBe(125);
    expect(r.stderr).toContain(unknownId);
    await ok('rmi', 'prev/allowed:impostor');
  });

  it('lets an allowed image run, by name and by image ID', async () => {
    expect(
      (await ok('run', '--rm', '--network', 'none', 'prev/allowed:1', 'echo', 'hello')).trim(),
    ).toBe('hello');
    expect(await ok('run', '--rm', '--network', 'none', allowedId, 'echo', 'again')).toBe('again');
  });

  it('approving with the command from the message lets the very same docker run through', async () => {
    const r = await docker('run', '--rm', '--network', 'none', 'prev/unknown:1', 'echo', 'hi');
    expect(r.code).toBe(125);
    const command = /gatehouse allowlist add (sha256:[0-9a-f]{64})/.exec(r.stderr);
    expect(command?.[1]).toBe(unknownId);
    await engine.addToAllowlist([unknownId]);
    expect(await ok('run', '--rm', '--network', 'none', 'prev/unknown:1', 'echo', 'hi')).toBe('hi');
  });

  it('refuses to start, exec into or unpause a container whose image is no longer allowed', async () => {
    await ok('create', '--network', 'none', '--name', 'stopped', 'prev/allowed:1', 'sleep', '300');
    await ok(
      'run',
      '-d',
      '--network',
      'none',
      '--name',
      'running',
      'prev/allowed:1',
      'sleep',
      '300',
    );
    await ok(
      'run',
      '-d',
      '--network',
      'none',
      '--name',
      'paused',
      'prev/allowed:1',
      'sleep',
      '300',
    );
    await ok('pause', 'paused');
    await engine.removeFromAllowlist([allowedId]);
    const stoppedId = (await ok('inspect', '--format', '{{.Id}}', 'stopped')).trim();
    const runningId = (await ok('inspect', '--format', '{{.Id}}', 'running')).trim();
    const pausedId = (await ok('inspect', '--format', '{{.Id}}', 'paused')).trim();
    const before = await logged();

    const start = await docker('start', 'stopped');
    expect(start.code).not.toBe(0);
    expect(start.stderr).toContain(`image prev/allowed:1 (${allowedId}) may not start container`);
    expect(await containerState(bed.dockerd, 'stopped')).toBe('created');

    const exec = await docker('exec', 'running', 'echo', 'inside');
    expect(exec.code).not.toBe(0);
    expect(exec.stdout).not.toContain('inside');
    expect(exec.stderr).toContain('may not exec container');

    const unpause = await docker('unpause', 'paused');
    expect(unpause.code).not.toBe(0);
    expect(unpause.stderr).toContain('may not unpause container');
    expect(await containerState(bed.dockerd, 'paused')).toBe('paused');

    const restart = await docker('restart', 'running');
    expect(restart.stderr).toContain('may not restart container');

    // Each refusal is a prevented record of that container, by its full ID and name.
    const records = await preventedSince(before);
    expect(records.map((r) => [r.trigger, r.containerId, r.containerName])).toEqual([
      ['authz:start', stoppedId, 'stopped'],
      ['authz:exec', runningId, 'running'],
      ['authz:unpause', pausedId, 'paused'],
      ['authz:restart', runningId, 'running'],
    ]);
    for (const record of records)
      expect(record).toMatchObject({
        imageRef: 'prev/allowed:1',
        imageId: allowedId,
        digests: [],
        reason: expect.stringContaining(`gatehouse allowlist add ${allowedId}`) as string,
      });

    // Stopping and removing are never refused.
    await ok('rm', '-f', 'stopped', 'running', 'paused');
  });

  it('refuses 50 parallel creates of a non-allowed image, every one, without deadlock', async () => {
    const before = await logged();
    const started = performance.now();
    const runs = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        docker(
          'run',
          '-d',
          '--network',
          'none',
          '--name',
          `storm-${i}`,
          'prev/unknown:1',
          'sleep',
          '300',
        ),
      ),
    );
    const elapsed = performance.now() - started;
    for (const r of runs) {
      expect(r.code).toBe(125);
      expect(r.stderr).toContain('may not create a container');
    }
    expect(await ok('ps', '-aq')).toBe('');
    // Each one recorded, by the name it asked for.
    const names = (await preventedSince(before)).map((r) => r.containerName);
    expect(names.toSorted()).toEqual(Array.from({ length: 50 }, (_, i) => `storm-${i}`).toSorted());
    // Every decision called back into dockerd (image inspect) while dockerd waited on the
    // plugin; a plugin that served one request at a time would hang until dockerd's timeout.
    expect(elapsed).toBeLessThan(25_000);
  });

  it('answers its own callbacks while a start waits on a decision (no deadlock)', async () => {
    const id = await ok('create', '--network', 'none', 'prev/allowed:1', 'true');
    // A fresh decider has nothing cached: deciding the start needs a container inspect and an
    // image inspect, both authorized by this same plugin while the start is pending.
    bed.decider = new EngineAuthzDecider(engine.docker, engine);
    const started = performance.now();
    expect((await docker('start', id)).code).toBe(0);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('cannot be bypassed through the raw API: no Content-Type, encoded or doubled paths', async () => {
    const raw = (path: string, headers: Record<string, string>) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(
          { socketPath: bed.dockerd.socketPath, method: 'POST', path, headers },
          (res) => {
            let text = '';
            res.on('data', (b: Buffer) => (text += b.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ Image: 'prev/unknown:1', Cmd: ['true'] }));
      });
    const json = { 'Content-Type': 'application/json' };
    // dockerd forwards no body to the plugin without a JSON Content-Type, yet still creates.
    for (const [path, headers] of [
      ['/v1.41/containers/create', {}],
      ['/v1.41/containers/create', { 'Content-Type': 'text/plain' }],
      ['/v1.41/containers%2Fcreate', json],
      ['/v1.41//containers/create', json],
      ['/v1.41/containers/create', json],
    ] as const) {
      const r = await raw(path, headers);
      expect(r.status, `${path} ${JSON.stringify(headers)}: ${r.text}`).not.toBe(201);
    }
    expect(await ok('ps', '-aq')).toBe('');
  });

  describe('just in time, asked through the API (prevention.set, approvals.list, approvals.answer)', () => {
    const run = (word: string) =>
      docker('run', '--rm', '--network', 'none', 'prev/unknown:1', 'echo', word);
    /** The question the waiting create asked, as the faces list it. */
    const question = async () => {
      await once(engine, 'approvals');
      const [pending, ...more] = await api('approvals.list', {});
      expect(more).toEqual([]);
      expect(pending).toMatchObject({ imageRef: 'prev/unknown:1', digest: unknownId });
      return pending as NonNullable<typeof pending>;
    };

    beforeAll(async () => {
      // The daemon's decider: it reads the setting at each refusal.
      bed.decider = new EngineAuthzDecider(engine.docker, engine, preventionAsk(engine));
      expect((await api('prevention.set', { ask: true })).prevention).toMatchObject({ ask: true });
    });

    afterAll(async () => {
      await api('prevention.set', { ask: false });
      bed.decider = new EngineAuthzDecider(engine.docker, engine);
    });

    it('approve lets that very docker run proceed and records the digest', async () => {
      const before = await logged();
      const approved = run('yes');
      const pending = await question();
      await new Promise((r) => setTimeout(r, 300)); // docker run really waits meanwhile
      expect(await api('approvals.answer', { id: pending.id, approve: true })).toEqual({
        answered: true,
      });
      const ran = await approved;
      expect(ran.stderr).toBe('');
      expect(ran.stdout.trim()).toBe('yes');
      expect(engine.store.get().allowlist.find((e) => e.digest === unknownId)?.label).toBe(
        'prev/unknown:1',
      );
      expect(await api('approvals.list', {})).toEqual([]);
      expect(await preventedSince(before)).toEqual([]); // approved: no refusal to record
    });

    it('deny refuses it, allowlists nothing and records the refusal', async () => {
      const before = await logged();
      const denied = run('no');
      const pending = await question();
      await api('approvals.answer', { id: pending.id, approve: false });
      const refused = await denied;
      expect(refused.code).toBe(125);
      expect(refused.stderr).toContain('not approved in time');
      expect(engine.store.get().allowlist.some((e) => e.digest === unknownId)).toBe(false);
      const [record, ...more] = await preventedSince(before);
      expect(more).toEqual([]);
      expect(record).toMatchObject({ trigger: 'authz:create', imageId: unknownId });
      expect(record?.reason).toMatch(/^not approved when asked; not on the allowlist/);
    });

    it("no answer refuses it after 15 s, inside dockerd's plugin timeout", async () => {
      const started = performance.now();
      const unanswered = run('late');
      const pending = await question();
      const refused = await unanswered;
      expect(performance.now() - started).toBeGreaterThan(14_000);
      expect(refused.code).toBe(125);
      expect(refused.stderr).toContain('not approved in time');
      expect(await api('approvals.answer', { id: pending.id, approve: true })).toEqual({
        answered: false,
      });
      expect(engine.store.get().allowlist.some((e) => e.digest === unknownId)).toBe(false);
    });

    it('asking off: the same docker run is refused at once', async () => {
      await api('prevention.set', { ask: false });
      try {
        const refused = await run('off');
        expect(refused.code).toBe(125);
        expect(refused.stderr).not.toContain('not approved in time');
        expect(engine.approvals.pending()).toEqual([]);
      } finally {
        await api('prevention.set', { ask: true });
      }
    });
  });

  it('records a refused run of a pushed image with its registry digest, and emits it as a decision', async () => {
    // Its own image: a push gives it a RepoDigest, which would change the other tests' messages.
    const ref = `${inject('registryHost')}/prev/pushed:1`;
    const imageId = await importImage(bed.dockerd, ref);
    const digest = await pushImage(bed.dockerd, ref);
    const before = await logged();
    const emitted: DecisionRecord[] = [];
    const listener = (record: DecisionRecord) => emitted.push(record);
    engine.on('decision', listener);
    try {
      const r = await docker('run', '--rm', '--network', 'none', ref, 'true');
      expect(r.code).toBe(125);
      expect(r.stderr).toContain(`gatehouse allowlist add ${digest}`);
      const records = await preventedSince(before);
      expect(records).toEqual([
        {
          time: expect.any(String) as string,
          decision: 'prevented',
          containerId: '',
          containerName: '',
          imageRef: ref,
          imageId,
          digests: [digest],
          trigger: 'authz:create',
          reason: `not on the allowlist: neither its digests (${digest}) nor its image ID ${imageId}. To approve it: gatehouse allowlist add ${digest}`,
        },
      ]);
      expect(emitted).toEqual(records);
    } finally {
      engine.off('decision', listener);
    }
  });

  it('passes everything that runs nothing, even with an empty allowlist', async () => {
    await engine.removeFromAllowlist([allowedId]);
    expect((await docker('ps', '-a')).code).toBe(0);
    expect((await docker('images')).code).toBe(0);
    expect((await docker('image', 'inspect', 'prev/unknown:1')).code).toBe(0);
    expect((await docker('tag', 'prev/unknown:1', 'prev/other:1')).code).toBe(0);
    expect((await docker('rmi', 'prev/other:1')).code).toBe(0);
  });

  it('lets everything run in audit mode (the reactive guard reports instead)', async () => {
    await engine.setMode('audit');
    try {
      expect(
        await ok('run', '--rm', '--network', 'none', 'prev/unknown:1', 'echo', 'audited'),
      ).toBe('audited');
    } finally {
      await engine.setMode('enforce');
    }
  });
});
