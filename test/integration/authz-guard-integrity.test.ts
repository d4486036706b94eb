import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EngineAuthzDecider } from '../../electron/engine/authz/engine-decider.js';
import { Engine } from '../../electron/engine/engine.js';
import type { Mode } from '../../shared/api/schemas.js';
import { must, removeAllContainers } from '../env/containers.js';
import { freePort } from '../env/free-port.js';
import { importImage, NONCE_FILE } from '../env/images.js';
import { startPluginBed, type PluginBed } from './support/authz-plugin.js';
import { configDirWith } from './support/engine-harness.js';

/**
 * The guard cannot be talked around: each test is an attack by a member of the docker group
 * on a dockerd that asks Gatehouse's plugin, with only image A allowed. Every container of
 * A or B writes a file named after its image's nonce into a bind mount, so a file with any
 * other name than A's would be B's code running.
 */
let bed: PluginBed;
let engine: Engine;
let configDir: string;
let allowedId: string;
let otherId: string;
let out: string;
let allowedNonce: string;

/** The command every test container runs: leave its image's mark, then exit. */
const MARK = ['sh', '-c', `touch /out/$(cat ${NONCE_FILE})`];

const docker = (...args: string[]) => bed.dockerd.docker(args);
const ok = (...args: string[]) => must(bed.dockerd, args);

/** A raw Docker API call, as an attacker's own client sends it. */
function api(
  method: string,
  path: string,
  body?: string | Buffer,
  contentType = 'application/json',
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: bed.dockerd.socketPath,
        method,
        path: `/v1.41${path}`,
        headers: body === undefined ? {} : { 'Content-Type': contentType },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A create body that mounts the marks folder and runs MARK. */
const createBody = (image: string) =>
  JSON.stringify({
    Image: image,
    Cmd: MARK,
    HostConfig: { Binds: [`${out}:/out`], NetworkMode: 'none' },
  });

/** The marks left by anything but image A. */
const foreignMarks = () => readdirSync(out).filter((name) => name !== allowedNonce);

async function withMode<T>(mode: Mode, run: () => Promise<T>): Promise<T> {
  await engine.setMode(mode);
  try {
    return await run();
  } finally {
    await engine.setMode('enforce');
  }
}

/** A container of B made while in audit mode (as one made before enforcement came on). */
async function preexistingOther(name: string): Promise<string> {
  return withMode('audit', () =>
    ok('create', '--network', 'none', '--name', name, '-v', `${out}:/out`, otherId, ...MARK),
  );
}

beforeAll(async () => {
  bed = await startPluginBed();
  allowedId = await importImage(bed.dockerd, 'guard/allowed:1');
  otherId = await importImage(bed.dockerd, 'guard/other:1');
  configDir = configDirWith({ mode: 'enforce', allow: [allowedId] });
  engine = Engine.open({ configDir, dockerHost: bed.dockerd.host });
  bed.decider = new EngineAuthzDecider(engine.docker, engine);
  bed.onDecided = (what, decision) => engine.recordPrevention(what, decision);
  out = mkdtempSync('/tmp/gh-marks-');
  allowedNonce = (
    await ok('run', '--rm', '--network', 'none', allowedId, 'cat', NONCE_FILE)
  ).trim();
});

afterAll(async () => {
  await bed?.dispose();
  for (const dir of [configDir, out]) if (dir) rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await removeAllContainers(bed.dockerd);
  for (const name of readdirSync(out)) rmSync(join(out, name));
});

describe('the decision log', () => {
  it('holds what the plugin allowed too: the create and the start of an allowed run', async () => {
    const before = engine.log.read().length;
    await ok('run', '--rm', '--network', 'none', '--name', 'logged', allowedId, 'true');
    const records = engine.log.read().slice(before);
    const allowedBy = { kind: 'entry', digest: allowedId };
    expect(records).toContainEqual(
      expect.objectContaining({
        decision: 'allowed',
        trigger: 'authz:create',
        containerName: 'logged',
        imageId: allowedId,
        allowedBy,
      }),
    );
    expect(records).toContainEqual(
      expect.objectContaining({
        decision: 'allowed',
        trigger: 'authz:start',
        containerId: expect.stringMatching(/^[0-9a-f]{64}$/),
        containerName: 'logged',
        allowedBy,
      }),
    );
  });
});

describe('create bodies are read as dockerd reads them', () => {
  it('refuses a body that spells the image twice in any case or escape', async () => {
    for (const second of ['image', 'IMAGE', '\\u0069mage']) {
      const body = `{"Image":${JSON.stringify(allowedId)},"${second}":${JSON.stringify(otherId)},"Cmd":${JSON.stringify(MARK)},"HostConfig":{"Binds":["${out}:/out"],"NetworkMode":"none"}}`;
      const r = await api('POST', '/containers/create?name=twice', body);
      expect(r.status).toBe(403);
      expect(r.text).toContain('spells Image more than once');
    }
    expect(await ok('ps', '-aq')).toBe('');
  });

  it('decides a lower-case image key, which dockerd really uses', async () => {
    const body = `{"image":${JSON.stringify(otherId)},"Cmd":${JSON.stringify(MARK)}}`;
    const refused = await api('POST', '/containers/create', body);
    expect(refused.status).toBe(403);
    expect(refused.text).toContain(`image ${otherId}`);
    // Proof that dockerd reads that key: in audit mode the create goes through, with image B.
    const created = await withMode('audit', () => api('POST', '/containers/create', body));
    expect(created.status).toBe(201);
    const id = (JSON.parse(created.text) as { Id: string }).Id;
    expect(await ok('inspect', '--format', '{{.Image}}', id)).toBe(otherId);
  });
});

describe('a start is decided by the container dockerd will start, every time', () => {
  it('refuses B renamed to the full ID of a removed allowed container', async () => {
    const allowed = await ok(
      'create',
      '--network',
      'none',
      '-v',
      `${out}:/out`,
      allowedId,
      ...MARK,
    );
    expect((await api('POST', `/containers/${allowed}/start`)).status).toBe(204);
    await ok('wait', allowed);
    await ok('rm', allowed);
    const other = await preexistingOther('intruder');
    await ok('rename', other, allowed);
    const r = await api('POST', `/containers/${allowed}/start`);
    expect(r.status).toBe(403);
    expect(r.text).toContain(otherId);
    // The same by exec and restart of a name that now means B; unknown names are refused.
    expect((await api('POST', `/containers/${allowed}/restart`)).status).toBe(403);
    expect((await api('POST', '/containers/no-such-container/start')).text).toContain(
      'there is no container no-such-container to start',
    );
    expect(foreignMarks()).toEqual([]);
  });

  it('refuses the start of a B container created through a tag that named A', async () => {
    await ok('tag', allowedId, 'guard/moving:1');
    const created = await api('POST', '/containers/create', createBody('guard/moving:1'));
    expect(created.status).toBe(201);
    // dockerd resolved the tag again after the plugin did: simulate the flip having won.
    const other = await preexistingOther('flipped');
    const r = await api('POST', `/containers/${other}/start`);
    expect(r.status).toBe(403);
    expect(foreignMarks()).toEqual([]);
  });
});

/** Runs `attack` and `probe` side by side for `ms` milliseconds, each in a loop. */
async function race(ms: number, ...loops: (() => Promise<unknown>)[]): Promise<void> {
  const until = Date.now() + ms;
  await Promise.all(
    loops.map(async (step) => {
      while (Date.now() < until) await step();
    }),
  );
}

describe('names and tags raced against the decision (20 s each)', () => {
  it('a rename loop swapping an allowed and a B container under one name never runs B', async () => {
    const allowed = await ok(
      'create',
      '--network',
      'none',
      '--name',
      'web',
      '-v',
      `${out}:/out`,
      allowedId,
      ...MARK,
    );
    const other = await preexistingOther('evil');
    const counts = { allowedStarts: 0, refused: 0 };
    let swapped = false;
    await race(
      20_000,
      async () => {
        // Swap the names: web <-> evil, through a third name.
        const [a, b] = swapped ? [other, allowed] : [allowed, other];
        await api('POST', `/containers/${a}/rename?name=swap`);
        await api('POST', `/containers/${b}/rename?name=web`);
        await api('POST', `/containers/${a}/rename?name=evil`);
        swapped = !swapped;
      },
      async () => {
        const r = await api('POST', '/containers/web/start');
        if (r.status === 204) counts.allowedStarts++;
        if (r.status === 403) counts.refused++;
      },
    );
    // Both sides of the race happened: allowed starts and refusals of B under the name.
    expect(counts.allowedStarts).toBeGreaterThan(0);
    expect(counts.refused).toBeGreaterThan(0);
    expect(await ok('inspect', '--format', '{{.State.StartedAt}}', other)).toMatch(/^0001-/);
    expect(foreignMarks()).toEqual([]);
  });

  it('a tag flipped between A and B during creates and starts never runs B', async () => {
    const counts = { created: 0, started: 0, refusedStarts: 0 };
    let flip = false;
    await race(
      20_000,
      async () => {
        await api('POST', `/images/${flip ? otherId : allowedId}/tag?repo=guard/flip&tag=1`);
        flip = !flip;
      },
      async () => {
        const created = await api('POST', '/containers/create', createBody('guard/flip:1'));
        if (created.status !== 201) return;
        counts.created++;
        const { Id } = JSON.parse(created.text) as { Id: string };
        const started = await api('POST', `/containers/${Id}/start`);
        if (started.status === 204) counts.started++;
        if (started.status === 403) counts.refusedStarts++;
        await api('DELETE', `/containers/${Id}?force=true`);
      },
    );
    expect(counts.created).toBeGreaterThan(0);
    expect(counts.started).toBeGreaterThan(0);
    expect(foreignMarks()).toEqual([]);
  });
});

describe('managed plugins, swarm services, builds', () => {
  /** A managed plugin folder whose entrypoint leaves B's mark (its rootfs is not an image). */
  function pluginFolder(): string {
    const dir = mkdtempSync('/tmp/gh-plugin-');
    const bin = join(dir, 'rootfs', 'bin');
    mkdirSync(bin, { recursive: true });
    copyFileSync('/bin/busybox', join(bin, 'busybox'));
    for (const applet of ['sh', 'touch', 'sleep']) symlinkSync('busybox', join(bin, applet));
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        description: 'attack',
        documentation: 'https://example.invalid',
        entrypoint: ['/bin/sh', '-c', 'touch /out/plugin-ran; sleep 300'],
        interface: { types: ['docker.volumedriver/1.0'], socket: 'p.sock' },
        mounts: [{ source: out, destination: '/out', type: 'bind', options: ['rbind'] }],
        network: { type: 'host' },
      }),
    );
    return dir;
  }

  it('refuses creating a plugin from a folder, and enabling one made before enforcement', async () => {
    const dir = pluginFolder();
    try {
      const refused = await docker('plugin', 'create', 'guard/plugin:1', dir);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('only a plugin pulled by digest whose digest is allowed');
      // Made in audit mode (before enforcement): enabling it is refused now.
      await withMode('audit', () => ok('plugin', 'create', 'guard/plugin:1', dir));
      const enable = await docker('plugin', 'enable', 'guard/plugin:1');
      expect(enable.code).not.toBe(0);
      expect(enable.stderr).toContain('authorization denied');
      const pull = await docker('plugin', 'install', '--grant-all-permissions', '127.0.0.1:1/p:1');
      expect(pull.stderr).toContain('authorization denied');
      expect(readdirSync(out)).toEqual([]);
    } finally {
      await withMode('audit', () => docker('plugin', 'rm', '-f', 'guard/plugin:1'));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('decides a swarm service by its image: B refused, A created, an update to B refused', async () => {
    const listen = `127.0.0.1:${await freePort()}`;
    await withMode('audit', () =>
      ok('swarm', 'init', '--advertise-addr', listen, '--listen-addr', listen),
    );
    try {
      const service = (image: string) => [
        'service', 'create', '--detach', '--no-resolve-image', '--restart-condition', 'none',
        '--mount', `type=bind,src=${out},dst=/out`, image, ...MARK,
      ]; // prettier-ignore
      const refused = await docker(...service(otherId));
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain(`image ${otherId}`);
      expect(refused.stderr).toContain('may not run as a swarm service');
      const created = await ok(...service(allowedId));
      const update = await docker('service', 'update', '--detach', '--image', otherId, created);
      expect(update.code).not.toBe(0);
      expect(update.stderr).toContain('may not update a swarm service');
      const join = await docker('swarm', 'join', '--token', 'SWMTKN-1-x', '127.0.0.1:1');
      expect(join.stderr).toContain('joining a swarm');
      expect(foreignMarks()).toEqual([]);
    } finally {
      await withMode('audit', () => ok('swarm', 'leave', '--force'));
    }
  });

  it('refuses builds (classic and BuildKit) when the builds setting says refuse', async () => {
    const context = mkdtempSync('/tmp/gh-build-');
    writeFileSync(join(context, 'Dockerfile'), `FROM ${otherId}\nRUN touch /built\n`);
    try {
      await engine.setPrevention({ builds: 'refuse' });
      const classic = await bed.dockerd.docker(
        ['build', '--network', 'none', '-t', 'guard/built:1', context],
        { env: { DOCKER_BUILDKIT: '0' } },
      );
      expect(classic.code).not.toBe(0);
      expect(classic.stderr).toContain('builds are refused while enforcing');
      for (const path of ['/session', '/build?version=2', '/grpc'])
        expect((await api('POST', path, '', 'application/x-tar')).status).toBe(403);
      // Allowed (the default), a build runs: what the faces warn about.
      await engine.setPrevention({ builds: 'allow' });
      writeFileSync(join(context, 'Dockerfile'), `FROM ${allowedId}\n`);
      expect(
        (
          await bed.dockerd.docker(['build', '-t', 'guard/built:1', context], {
            env: { DOCKER_BUILDKIT: '0' },
          })
        ).code,
      ).toBe(0);
      expect(engine.status().prevention.builds).toBe('allow');
    } finally {
      await engine.setPrevention({ builds: 'allow' });
      rmSync(context, { recursive: true, force: true });
    }
  });
});
