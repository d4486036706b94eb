import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startAuthzServer } from '../electron/engine/authz/authz-server.js';
import { EngineAuthzDecider } from '../electron/engine/authz/engine-decider.js';
import { Engine } from '../electron/engine/engine.js';
import { DEFAULT_SETTINGS, SettingsStore } from '../electron/engine/store/settings-store.js';
import { runDetached } from '../test/env/containers.js';
import { startDockerd, type Dockerd } from '../test/env/dockerd.js';
import { importImage } from '../test/env/images.js';
import { writeResults } from './results-file.js';
import { summarize } from './stats.js';

/**
 * `npm run bench` (BENCH_ONLY=prevention): what a non-allowed container manages to do under
 * prevention (the authorization plugin, the reactive guard running alongside), next to the
 * reactive guard's figures from core.json, and the plugin's added latency per API call,
 * dockerd with the plugin against dockerd without. Writes bench/results/prevention.json.
 */
const RUNS = Number(process.env['BENCH_RUNS'] ?? 30);
const STORM = 50;
const CALLS = 300;
const CREATES = 50;
const SPEC_DIR = '/etc/docker/plugins';

export async function runPreventionBench(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'gh-bench-prev-'));
  const name = `gh-bench-${randomBytes(4).toString('hex')}`;
  const socketPath = join(work, 'authz.sock');
  const spec = join(SPEC_DIR, `${name}.spec`);
  let engine: Engine | undefined;
  let decider: EngineAuthzDecider | undefined;
  const server = await startAuthzServer({
    socketPath,
    decider: {
      decide: (request) =>
        decider?.decide(request) ?? Promise.resolve({ allowed: true, message: '' }),
    },
    // As the daemon does: every refusal is written to the decision log before dockerd hears it.
    decided: (what, decision) => engine?.recordPrevention(what, decision),
  });
  mkdirSync(SPEC_DIR, { recursive: true });
  writeFileSync(spec, `unix://${socketPath}\n`);
  let plain: Dockerd | undefined;
  let guarded: Dockerd | undefined;
  try {
    [plain, guarded] = await Promise.all([
      startDockerd(),
      startDockerd({ extraArgs: [`--authorization-plugin=${name}`] }),
    ]);
    const allowedPlain = await importImage(plain, 'bench/allowed:1');
    const allowed = await importImage(guarded, 'bench/allowed:1');
    await importImage(guarded, 'bench/unknown:1');
    engine = await startEngine(join(work, 'config'), guarded, [allowed, allowedPlain]);
    decider = new EngineAuthzDecider(engine.docker, engine);

    const exposure = await measureExposure(guarded, work);
    const storm = await measureStorm(guarded, work);
    // The latency is the plugin's alone: the reactive guard's own work on every container
    // event (inspects on the same dockerd) stops first; the decider keeps the engine's policy.
    await engine.stop();
    engine = undefined;
    const latency = {
      simpleCall: await compare(plain, guarded, () => ({ method: 'GET', path: '/v1.41/_ping' })),
      containerList: await compare(plain, guarded, () => ({
        method: 'GET',
        path: '/v1.41/containers/json?all=1',
      })),
      create: await compareCreates(plain, guarded),
      startDecisionUs: await startDecisionUs(guarded, decider),
    };
    const reactive = reactiveFigures();
    writeResults('prevention', {
      docker: (await guarded.docker(['version', '--format', '{{.Server.Version}}'])).stdout.trim(),
      prevention: { exposure, storm },
      reactiveGuardFromCoreJson: reactive,
      pluginAddedLatencyMs: latency,
      targets: {
        'prevention: no lines printed in any trial': exposure.trialsWithOutput === 0,
        'prevention: no file written in any trial': exposure.trialsWithFile === 0,
        'prevention storm: none created, none ran': storm.created === 0 && storm.linesPrinted === 0,
        'added latency per simple call p50 <= 1 ms': latency.simpleCall.addedP50 <= 1,
        'added latency per create p50 <= 6 ms': latency.create.addedP50 <= 6,
      },
    });
  } finally {
    await engine?.stop();
    await guarded?.dispose();
    await plain?.dispose();
    await server.close();
    rmSync(spec, { force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

async function startEngine(configDir: string, dockerd: Dockerd, allow: string[]): Promise<Engine> {
  SettingsStore.open(configDir).update(() => ({
    ...DEFAULT_SETTINGS,
    enforcement: { enabled: true, mode: 'enforce' },
    allowlist: allow.map((digest) => ({
      digest: digest as `sha256:${string}`,
      addedAt: new Date().toISOString(),
      source: 'manual' as const,
    })),
  }));
  // The reactive guard runs alongside, as in `gatehouse daemon --authz-socket`.
  const engine = Engine.open({ configDir, dockerHost: dockerd.host });
  const ready = once(engine, 'ready');
  await engine.start();
  await ready;
  return engine;
}

const LOOP = 'touch /out/written; i=0; while :; do i=$((i+1)); echo line $i; done > /out/lines';

/** The core benchmark's trial under prevention: lines printed and files written. */
async function measureExposure(dockerd: Dockerd, work: string) {
  const lines: number[] = [];
  const files: number[] = [];
  let refused = 0;
  for (let i = 0; i < RUNS; i++) {
    const mount = join(work, `exposure-${i}`);
    mkdirSync(mount);
    const r = await runDetached(
      dockerd,
      `prev-${i}`,
      'bench/unknown:1',
      ['sh', '-c', LOOP],
      ['-v', `${mount}:/out`],
    );
    if (r.code === 125 && r.stderr.includes('gatehouse:')) refused++;
    await new Promise((r) => setTimeout(r, 100)); // what a started container would have done by now
    lines.push(countLines(join(mount, 'lines')));
    files.push(readdirSync(mount).length);
  }
  return {
    runs: RUNS,
    refusedByPlugin: refused,
    linesPrinted: summarize(lines),
    trialsWithOutput: lines.filter((n) => n > 0).length,
    trialsWithFile: files.filter((n) => n > 0).length,
  };
}

async function measureStorm(dockerd: Dockerd, work: string) {
  const mount = join(work, 'storm');
  mkdirSync(mount);
  const started = performance.now();
  const runs = await Promise.all(
    Array.from({ length: STORM }, (_, i) =>
      runDetached(
        dockerd,
        `storm-${i}`,
        'bench/unknown:1',
        ['sh', '-c', LOOP.replaceAll('/out/', `/out/${i}-`)],
        ['-v', `${mount}:/out`],
      ),
    ),
  );
  const durationMs = Math.round(performance.now() - started);
  await new Promise((r) => setTimeout(r, 200));
  const created = (await dockerd.docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean).length;
  const linesPrinted = readdirSync(mount)
    .filter((f) => f.endsWith('lines'))
    .reduce((sum, f) => sum + countLines(join(mount, f)), 0);
  return {
    starts: STORM,
    refusedByPlugin: runs.filter((r) => r.code === 125 && r.stderr.includes('gatehouse:')).length,
    created,
    linesPrinted,
    filesWritten: readdirSync(mount).length,
    durationMs,
  };
}

interface Call {
  method: string;
  path: string;
  body?: string;
}

/** One call on the daemon's socket; resolves with its duration in ms and its answer. */
function call(dockerd: Dockerd, c: Call): Promise<{ ms: number; status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      {
        socketPath: dockerd.socketPath,
        method: c.method,
        path: c.path,
        headers: c.body ? { 'Content-Type': 'application/json' } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (b: Buffer) => chunks.push(b));
        res.on('end', () =>
          resolve({
            ms: performance.now() - started,
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(c.body);
  });
}

async function samples(dockerd: Dockerd, make: () => Call, n: number): Promise<number[]> {
  for (let i = 0; i < 20; i++) await call(dockerd, make()); // warm up
  const ms: number[] = [];
  for (let i = 0; i < n; i++) ms.push((await call(dockerd, make())).ms);
  return ms;
}

async function compare(plain: Dockerd, guarded: Dockerd, make: () => Call) {
  const without = summarize(await samples(plain, make, CALLS));
  const withPlugin = summarize(await samples(guarded, make, CALLS));
  return { without, withPlugin, addedP50: round(withPlugin.p50 - without.p50) };
}

/** Creates of an allowed image (one callback: the image inspect), removed untimed. */
async function compareCreates(plain: Dockerd, guarded: Dockerd) {
  const run = async (dockerd: Dockerd) => {
    const ms: number[] = [];
    for (let i = 0; i < CREATES + 5; i++) {
      const { Id, ms: took } = await createAllowed(dockerd);
      if (i >= 5) ms.push(took);
      await call(dockerd, { method: 'DELETE', path: `/v1.41/containers/${Id}?force=1` });
    }
    return summarize(ms);
  };
  const without = await run(plain);
  const withPlugin = await run(guarded);
  return { without, withPlugin, addedP50: round(withPlugin.p50 - without.p50) };
}

/** A container of the allowed image, created through the raw API: its ID and the call's ms. */
async function createAllowed(dockerd: Dockerd): Promise<{ Id: string; ms: number }> {
  const r = await call(dockerd, {
    method: 'POST',
    path: '/v1.41/containers/create',
    body: JSON.stringify({
      Image: 'bench/allowed:1',
      Cmd: ['true'],
      HostConfig: { NetworkMode: 'none' },
    }),
  });
  if (r.status !== 201) throw new Error(`create answered ${r.status}: ${r.text}`);
  const { Id } = JSON.parse(r.text) as { Id: string };
  return { Id, ms: r.ms };
}

/**
 * The plugin's own decision time for a start: the container resolved through dockerd (one
 * inspect, every time: a name may mean another container now), its image's facts cached.
 */
async function startDecisionUs(dockerd: Dockerd, decider: EngineAuthzDecider) {
  const { Id } = await createAllowed(dockerd);
  await decider.decide({ kind: 'container', container: Id, action: 'start' });
  const us: number[] = [];
  for (let i = 0; i < 1_000; i++) {
    const started = performance.now();
    await decider.decide({ kind: 'container', container: Id, action: 'start' });
    us.push((performance.now() - started) * 1_000);
  }
  await call(dockerd, { method: 'DELETE', path: `/v1.41/containers/${Id}?force=1` });
  return summarize(us);
}

/** The reactive guard's exposure from core.json, when `npm run bench` wrote it in this run. */
function reactiveFigures(): unknown {
  const file = resolve(import.meta.dirname, '../../bench/results/core.json');
  if (!existsSync(file)) return 'core.json absent: run `npm run bench` (core) for the comparison';
  const core = JSON.parse(readFileSync(file, 'utf8')) as {
    date?: string;
    gatehouse?: { latency?: unknown; storm?: unknown };
  };
  return { measuredAt: core.date, latency: core.gatehouse?.latency, storm: core.gatehouse?.storm };
}

function countLines(path: string): number {
  try {
    return readFileSync(path, 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
