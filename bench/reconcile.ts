import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../electron/engine/engine.js';
import { DEFAULT_SETTINGS, SettingsStore } from '../electron/engine/store/settings-store.js';
import { startDockerd } from '../test/env/dockerd.js';
import { importImage } from '../test/env/images.js';
import { runDetached } from '../test/env/containers.js';
import { writeResults } from './results-file.js';
import { summarize } from './stats.js';

const RUNNING = 300;
const SAMPLES = Number(process.env['BENCH_RUNS'] ?? 30);

/**
 * `npm run bench` (BENCH_ONLY=reconcile): what the periodic reconciliation of running
 * containers costs at 300 running allowed containers, against its own list call alone (the
 * baseline, same daemon, same run). Written to bench/results/reconcile.json. Figures only.
 */
export async function runReconcileBench(): Promise<void> {
  const dockerd = await startDockerd();
  const configDir = mkdtempSync(join(tmpdir(), 'gh-bench-rc-'));
  try {
    const allowed = await importImage(dockerd, 'bench/allowed:1');
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
    for (let i = 0; i < RUNNING; i += 25)
      await Promise.all(
        Array.from({ length: Math.min(25, RUNNING - i) }, (_, j) =>
          runDetached(dockerd, `rc-${i + j}`, 'bench/allowed:1', ['sleep', '3600']),
        ),
      );
    // No timer in the way: every pass below is one this benchmark asked for.
    const engine = Engine.open({
      configDir,
      dockerHost: dockerd.host,
      reconcileIntervalMs: 3_600_000,
    });
    const ready = once(engine, 'ready');
    await engine.start();
    await ready;
    try {
      const list = async () => {
        const started = performance.now();
        const running = await engine.docker.listContainers({ filters: { status: ['running'] } });
        if (running.length !== RUNNING)
          throw new Error(`${running.length} running, not ${RUNNING}`);
        return performance.now() - started;
      };
      const pass = async () => {
        const started = performance.now();
        await engine.reconcile('sweep:bench');
        return performance.now() - started;
      };
      // Alternated, so load on the machine weighs on both alike.
      const listMs: number[] = [];
      const passMs: number[] = [];
      await list();
      await pass();
      for (let i = 0; i < SAMPLES; i++) {
        listMs.push(await list());
        passMs.push(await pass());
      }
      const baseline = summarize(listMs);
      const reconcile = summarize(passMs);
      writeResults('reconcile', {
        docker: (
          await dockerd.docker(['version', '--format', '{{.Server.Version}}'])
        ).stdout.trim(),
        runningContainers: RUNNING,
        listCallAloneMs: baseline,
        reconciliationPassMs: reconcile,
        ratioP50: Math.round((reconcile.p50 / baseline.p50) * 100) / 100,
        targets: {
          'a pass at 300 running costs at most 2x its list call (p50)':
            reconcile.p50 <= 2 * baseline.p50,
        },
      });
    } finally {
      await engine.stop();
    }
  } finally {
    await dockerd.dispose();
    rmSync(configDir, { recursive: true, force: true });
  }
}
