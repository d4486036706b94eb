import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import Docker from 'dockerode';
import type { Engine } from '../electron/engine/engine.js';
import type { ActionTimings } from '../electron/engine/enforcement/container-actions.js';
import { Engine as EngineClass } from '../electron/engine/engine.js';
import { DEFAULT_SETTINGS, SettingsStore } from '../electron/engine/store/settings-store.js';
import { startDockerd, type Dockerd } from '../test/env/dockerd.js';
import { importImage } from '../test/env/images.js';
import { runDetached } from '../test/env/containers.js';
import { startNaiveGuard } from './naive-guard.js';
import { maxOverlap, summarize } from './stats.js';
import { runRendererBench } from './renderer.js';
import { writeResults } from './results-file.js';
import { runPreventionBench } from './prevention.js';
import { runVerificationBench } from './verification.js';
import { runPatternsBench } from './patterns.js';
import { runReconcileBench } from './reconcile.js';

/**
 * `npm run bench`: the core's speed targets, measured on a private real dockerd and written
 * to bench/results/core.json. Figures only: nothing here passes or fails a build.
 */
const RUNS = Number(process.env['BENCH_RUNS'] ?? 30);
const STORM = 50;
const SWEEP_CONTAINERS = 300;

interface Decided {
  name: string;
  timings: ActionTimings;
}

async function main(): Promise<void> {
  const dockerd = await startDockerd();
  const workDir = mkdtempSync(join(tmpdir(), 'gh-bench-'));
  try {
    const allowed = await importImage(dockerd, 'bench/allowed:1');
    await importImage(dockerd, 'bench/unknown:1');
    // The naive baseline first, alone on the daemon, then Gatehouse under the same conditions.
    const naiveDecided: Decided[] = [];
    const stopNaive = await startNaiveGuard(
      new Docker({ socketPath: dockerd.socketPath }),
      (name, timings) => naiveDecided.push({ name, timings }),
    );
    const naive = {
      latency: await measureLatency(dockerd, naiveDecided, workDir, 'naive'),
      storm: await measureStorm(dockerd, naiveDecided, 'naive'),
    };
    stopNaive();

    const engine = await startEngine(workDir, dockerd, allowed);
    const decided: Decided[] = [];
    engine.on('decision', (record, timings) =>
      decided.push({ name: record.containerName, timings }),
    );
    const latency = await measureLatency(dockerd, decided, workDir, 'gatehouse');
    const storm = await measureStorm(dockerd, decided, 'gatehouse');
    const sweep = await measureSweep(dockerd, engine);
    await engine.stop();

    writeResults('core', {
      docker: (await dockerd.docker(['version', '--format', '{{.Server.Version}}'])).stdout.trim(),
      gatehouse: { latency, storm, sweep },
      naiveBaseline: naive,
      targets: {
        'event to kill p50 <= 60 ms': latency.eventToKill.p50 <= 60,
        'event to kill p95 <= 100 ms': latency.eventToKill.p95 <= 100,
        'storm p95 event to kill <= 2000 ms': storm.eventToKill.p95 <= 2000,
        'storm: none missed': storm.missed === 0,
        'sweep of 300 containers <= 3000 ms':
          sweep.allowed.durationMs <= 3000 && sweep.removing.durationMs <= 3000,
      },
    });
  } finally {
    await dockerd.dispose();
    rmSync(workDir, { recursive: true, force: true });
  }
}

async function startEngine(workDir: string, dockerd: Dockerd, allowed: string): Promise<Engine> {
  const configDir = join(workDir, 'config');
  SettingsStore.open(configDir).update(() => ({
    ...DEFAULT_SETTINGS,
    enforcement: { enabled: true, mode: 'enforce' },
    allowlist: [
      {
        digest: allowed as `sha256:${string}`,
        addedAt: new Date().toISOString(),
        source: 'manual',
      },
    ],
  }));
  const engine = EngineClass.open({ configDir, dockerHost: dockerd.host });
  const ready = once(engine, 'ready');
  await engine.start();
  await ready;
  return engine;
}

/** One non-allowed container at a time: how fast it dies, and what it did before. */
async function measureLatency(
  dockerd: Dockerd,
  decided: Decided[],
  workDir: string,
  guard: string,
) {
  const toKill: number[] = [];
  const toRemove: number[] = [];
  const linesPrinted: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const name = `${guard}-latency-${i}`;
    const mount = join(workDir, name);
    mkdirSync(mount);
    // Counts lines as fast as the shell can, into a bind mount that outlives the container.
    const loop = 'i=0; while :; do i=$((i+1)); echo line $i; done > /out/lines';
    await runDetached(
      dockerd,
      name,
      'bench/unknown:1',
      ['sh', '-c', loop],
      ['-v', `${mount}:/out`],
    );
    const d = await waitForDecision(decided, name);
    const { eventAt, killedAt, removedAt } = d.timings;
    if (eventAt && killedAt) toKill.push(killedAt - eventAt);
    if (eventAt && removedAt) toRemove.push(removedAt - eventAt);
    linesPrinted.push(countLines(join(mount, 'lines')));
  }
  return {
    runs: RUNS,
    eventToKill: summarize(toKill),
    eventToRemove: summarize(toRemove),
    exposureLinesPrinted: summarize(linesPrinted),
    trialsWithOutput: linesPrinted.filter((n) => n > 0).length,
  };
}

/** 50 non-allowed containers started at once. */
async function measureStorm(dockerd: Dockerd, decided: Decided[], guard: string) {
  const names = Array.from({ length: STORM }, (_, i) => `${guard}-storm-${i}`);
  const started = performance.timeOrigin + performance.now();
  await Promise.all(names.map((name) => runDetached(dockerd, name, 'bench/unknown:1')));
  const done = await Promise.all(
    names.map((name) => waitForDecision(decided, name, 60_000).catch(() => undefined)),
  );
  const remaining = (await dockerd.docker(['ps', '-aq', '--filter', `name=${guard}-storm-`])).stdout
    .trim()
    .split('\n')
    .filter(Boolean);
  const intervals = done
    .map((d) => d?.timings)
    .filter((t): t is ActionTimings => !!t?.eventAt && !!t.killedAt)
    .map((t) => [t.eventAt as number, t.killedAt as number] as [number, number]);
  return {
    containers: STORM,
    missed: remaining.length,
    eventToKill: summarize(intervals.map(([a, b]) => b - a)),
    mostAliveAtOnce: maxOverlap(intervals),
    wallClockMs: Math.round((Math.max(...intervals.map(([, b]) => b)) - started) * 10) / 10,
  };
}

/** A sweep over 300 existing containers: all allowed (decide only), then all to remove. */
async function measureSweep(dockerd: Dockerd, engine: Engine) {
  const create = async (image: string, prefix: string) => {
    for (let i = 0; i < SWEEP_CONTAINERS; i += 25)
      await Promise.all(
        Array.from({ length: Math.min(25, SWEEP_CONTAINERS - i) }, (_, j) =>
          dockerd.docker(['create', '--network', 'none', '--name', `${prefix}-${i + j}`, image]),
        ),
      );
  };
  const timeSweep = async () => {
    const swept = once(engine, 'swept');
    const start = performance.now();
    await engine.sweep('sweep:bench');
    const [info] = (await swept) as [{ containers: number }];
    return { containers: info.containers, durationMs: Math.round(performance.now() - start) };
  };
  await create('bench/allowed:1', 'sweep-ok');
  const allowed = await timeSweep();
  await engine.setEnforcement(false);
  await create('bench/unknown:1', 'sweep-bad');
  // Turning enforcement on sweeps all 600 and removes the 300 unknown ones before it resolves.
  const start = performance.now();
  await engine.setEnforcement(true);
  const durationMs = Math.round(performance.now() - start);
  const left = (await dockerd.docker(['ps', '-aq', '--filter', 'name=sweep-bad'])).stdout
    .trim()
    .split('\n')
    .filter(Boolean);
  const removing = {
    containers: SWEEP_CONTAINERS * 2,
    removed: SWEEP_CONTAINERS - left.length,
    durationMs,
  };
  return { allowed, removing };
}

async function waitForDecision(
  decided: Decided[],
  name: string,
  timeoutMs = 20_000,
): Promise<Decided> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = decided.find((x) => x.name === name && x.timings.removedAt);
    if (d) return d;
    if (Date.now() > deadline) throw new Error(`no decision for ${name}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function countLines(path: string): number {
  try {
    return readFileSync(path, 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

// BENCH_ONLY=core, prevention, verification, renderer, patterns or reconcile runs only that
// part (core.json, prevention.json, verification.json, renderer.json, patterns.json,
// reconcile.json).
const only = process.env['BENCH_ONLY'];
if (!only || only === 'core') await main();
// After core: prevention.json sets its figures beside core.json's reactive ones.
if (!only || only === 'prevention') await runPreventionBench();
if (!only || only === 'verification') await runVerificationBench();
if (!only || only === 'renderer') await runRendererBench();
if (!only || only === 'patterns') runPatternsBench();
if (!only || only === 'reconcile') await runReconcileBench();
