import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EngineAuthzDecider } from '../../electron/engine/authz/engine-decider.js';
import type { Engine } from '../../electron/engine/engine.js';
import type { DecisionRecord } from '../../shared/api/schemas.js';
import { containerState, removeAllContainers } from '../env/containers.js';
import { startDockerd, type Dockerd } from '../env/dockerd.js';
import { importImage } from '../env/images.js';
import { startPluginBed, type PluginBed } from './support/authz-plugin.js';
import { configDirWith, startEngine, waitFor } from './support/engine-harness.js';
import type { FloodOrders, FloodReport } from './support/event-flood.js';

/**
 * The attack that blinded the reactive guard: allowed containers with 16 MiB of labels (each
 * of their events a 16 MiB line) and a burst of quick creates, so dockerd, which drops events
 * for a subscriber that does not keep up, drops the start of a container that is not allowed.
 * The guard must still kill it, and the plugin must still decide allowed creates meanwhile.
 */
const RECONCILE_MS = 2_000;
/** Without the plugin, dockerd takes labels this large (32 MiB too) in a create. */
const HUGE_LABEL = 16 << 20;
const PLUGIN_LABEL = (1 << 20) - (1 << 10);
/** dockerd with the plugin, served by this process with the engine's policy. */
let bed: PluginBed;
/** dockerd without a plugin: the test that stalls this process would stall the plugin too. */
let plain: Dockerd;
let engine: Engine | undefined;
const configDirs: Record<'bed' | 'plain', string> = { bed: '', plain: '' };

beforeAll(async () => {
  [bed, plain] = await Promise.all([startPluginBed(), startDockerd()]);
  for (const [key, dockerd] of [
    ['bed', bed.dockerd],
    ['plain', plain],
  ] as const) {
    const allowed = await importImage(dockerd, 'blind/allowed:1');
    await importImage(dockerd, 'blind/refused:1');
    configDirs[key] = configDirWith({ mode: 'enforce', allow: [allowed] });
  }
});

afterEach(async () => {
  await engine?.stop();
  engine = undefined;
  // The burst's 1,300 created containers go in one prune; `rm -f` of each is minutes on a busy machine.
  const clear = async (dockerd: Dockerd) => {
    await dockerd.docker(['container', 'prune', '-f']);
    await removeAllContainers(dockerd);
  };
  await Promise.all([clear(bed.dockerd), clear(plain)]);
}, 300_000);

afterAll(async () => {
  await bed?.dispose();
  await plain?.dispose();
  for (const dir of Object.values(configDirs))
    if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * Starts the engine in enforce mode on `dockerd` (reconciling every `reconcileMs`); on the
 * bed's, it also decides for the plugin. Resolves with the decisions it will make.
 */
async function enforce(
  on: 'bed' | 'plain',
  reconcileMs = RECONCILE_MS,
): Promise<{ engine: Engine; decisions: DecisionRecord[] }> {
  const dockerd = on === 'bed' ? bed.dockerd : plain;
  const started = await startEngine(configDirs[on], dockerd.host, undefined, {
    reconcileIntervalMs: reconcileMs,
  });
  engine = started;
  if (on === 'bed') bed.decider = new EngineAuthzDecider(started.docker, started);
  const decisions: DecisionRecord[] = [];
  started.on('decision', (record) => decisions.push(record));
  return { engine: started, decisions };
}

/** The burst and the refused container's run, from a worker thread (as another process would). */
function flood(dockerd: Dockerd, orders: Partial<FloodOrders>) {
  const done = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(new URL('./support/event-flood.ts', import.meta.url), {
    workerData: {
      allowedImage: 'blind/allowed:1',
      refusedImage: 'blind/refused:1',
      hugeLabelled: 0,
      hugeLabelBytes: 0,
      restartHugeLabelled: false,
      creates: 0,
      labelBytes: 0,
      refusedLabelBytes: 0,
      ...orders,
      socketPath: dockerd.socketPath,
      done,
    } satisfies FloodOrders,
  });
  const report = once(worker, 'message').then(([r]) => {
    const result = r as FloodReport;
    if (!result.ok) throw new Error(`the flood failed: ${result.error}`);
    return result.refusedId ?? '';
  });
  return { done, report, worker };
}

/**
 * Waits for `name`'s removal record. The limit is generous (many reconciliation intervals, for
 * a loaded machine), yet far below what the attack bought before: minutes, until a manual sweep.
 */
async function removedRecord(
  decisions: DecisionRecord[],
  name: string,
  limitMs = 45_000,
): Promise<DecisionRecord> {
  return waitFor(
    `${name} to be removed and logged`,
    async () => decisions.find((r) => r.containerName === name && r.decision === 'removed'),
    limitMs,
  );
}

describe('the reactive guard under an event flood', () => {
  it('16 MiB labels and 1,300 quick creates: the refused container is still killed and logged', async () => {
    const { engine, decisions } = await enforce('plain');
    const { report } = flood(plain, {
      hugeLabelled: 2,
      hugeLabelBytes: HUGE_LABEL,
      creates: 1_300,
      labelBytes: 16,
      refusedName: 'intruder',
    });
    const intruderId = await report;
    const record = await removedRecord(decisions, 'intruder');
    expect(record).toMatchObject({ containerId: intruderId, imageRef: 'blind/refused:1' });
    expect(await containerState(plain, 'intruder')).toBe('gone');
    // Logged once; the huge-labelled ones are allowed and left running.
    expect(engine.log.read().filter((r) => r.decision !== 'allowed')).toEqual([record]);
    const running = await plain.docker([
      'ps',
      '-q',
      '--filter',
      'label=gatehouse-test.huge-labelled',
    ]);
    expect(running.stdout.trim().split('\n')).toHaveLength(2);
  }, 300_000);

  it('with prevention on: the largest labels it lets through, restarted during a burst of 1,300 creates; the plugin still decides every create at once', async () => {
    // dockerd shows the plugin a create's body only under 1 MiB, and the plugin refuses a create
    // it cannot read: so under prevention, labels stay under 1 MiB. (Nor can a container of a
    // refused image be created or started: the plugin refuses it.)
    await flood(bed.dockerd, { hugeLabelled: 2, hugeLabelBytes: PLUGIN_LABEL }).report;
    const { engine } = await enforce('bed');
    const { report } = flood(bed.dockerd, {
      restartHugeLabelled: true,
      creates: 1_300,
      labelBytes: 16,
    });
    // Meanwhile, creates are decided by the plugin in this same process, which reads the events.
    for (let i = 0; i < 3; i++) {
      const allowed = await bed.dockerd.docker([
        ...['run', '--rm', '--network', 'none', 'blind/allowed:1', 'echo', 'ALLOWED'],
      ]);
      expect(allowed.stderr).toBe('');
      expect(allowed.stdout.trim()).toBe('ALLOWED');
    }
    await report; // every one of the burst's 1,300 creates was allowed too
    expect(bed.decided.filter((d) => !d.allowed)).toEqual([]);
    expect(engine.log.read().filter((r) => r.decision !== 'allowed')).toEqual([]);
  }, 300_000);

  it('a start event dockerd dropped while the engine was stalled is caught by the reconciliation', async () => {
    const { decisions } = await enforce('plain');
    // 64 KiB of label per create: a few events fill the socket's buffers, so dockerd's own
    // buffer (1,024 events) fills and it drops what comes next, the intruder's create and start.
    const { done, report } = flood(plain, {
      creates: 1_300,
      labelBytes: 64 << 10,
      refusedName: 'dropped',
    });
    // The engine's thread stops reading (as the quadratic parser made it) until it all happened.
    Atomics.wait(done, 0, 0, 240_000);
    const droppedId = await report;
    const record = await removedRecord(decisions, 'dropped');
    expect(record).toMatchObject({ containerId: droppedId, trigger: 'sweep:reconcile' });
    expect(await containerState(plain, 'dropped')).toBe('gone');
  }, 300_000);

  it('a container whose events are too large to read is caught at once (a lost event), not at the next reconciliation', async () => {
    // No periodic reconciliation within the test: only the lost event can catch it in time.
    const { decisions } = await enforce('plain', 600_000);
    await flood(plain, { refusedName: 'oversized', refusedLabelBytes: 2 << 20 }).report;
    const record = await removedRecord(decisions, 'oversized');
    expect(record.trigger).toBe('sweep:lost-event');
  }, 60_000);
});
