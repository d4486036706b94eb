import { EventEmitter } from 'node:events';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { launchChromium } from '../test/env/chromium.js';
import { apiChannels, type ContainerView, type EngineStatus } from '../shared/api/channels.js';
import type { ApiHandlers } from '../electron/engine/api/api-handlers.js';
import type { EngineEvents } from '../electron/engine/engine.js';
import { startBrowserBridge } from '../electron/engine/browser-bridge/browser-bridge.js';
import { writeResults } from './results-file.js';
import { summarize } from './stats.js';

/**
 * The renderer's share of `npm run bench`, written to bench/results/renderer.json: the built
 * bundle's size, and the time from navigation to the Containers view showing 500 containers,
 * in Debian's Chromium through browser mode. The API answers with 500 made-up containers: this
 * measures rendering, not Docker.
 */
const CONTAINERS = 500;
const TRIALS = 10;

export async function runRendererBench(): Promise<void> {
  const root = resolve(import.meta.dirname, '../..');
  const staticDir = join(root, 'dist/renderer');
  const bridge = await startBrowserBridge({
    handlers: fakeHandlers(),
    events: new EventEmitter<EngineEvents>(),
    staticDir,
  });
  const browser = await launchChromium();
  const firstRender: number[] = [];
  try {
    for (let i = 0; i < TRIALS; i++) {
      const page = await browser.newPage();
      await page.goto(bridge.url);
      // Rows are keyed by container name; the last one present means all 500 are rendered.
      await page
        .getByText(`bench-${CONTAINERS - 1}`, { exact: true })
        .first()
        .waitFor();
      firstRender.push(await page.evaluate(() => performance.now()));
      await page.close();
    }
  } finally {
    await browser.close();
    await bridge.close();
  }
  writeResults('renderer', {
    bundle: bundleSize(staticDir),
    firstRenderOf500Containers: {
      what: 'ms from navigation start to the 500th container row in the DOM (performance.now in the page)',
      containers: CONTAINERS,
      ms: summarize(firstRender),
    },
  });
}

function bundleSize(dir: string) {
  const files = readdirSync(join(dir, 'assets')).map((f) => join(dir, 'assets', f));
  files.push(join(dir, 'index.html'));
  const bytes = files.reduce((sum, f) => sum + statSync(f).size, 0);
  const gzipped = files.reduce((sum, f) => sum + gzipSync(readFileSync(f)).length, 0);
  return { files: files.length, bytes, gzipBytes: gzipped };
}

function fakeHandlers(): ApiHandlers {
  const now = new Date().toISOString();
  const containers: ContainerView[] = Array.from({ length: CONTAINERS }, (_, i) => ({
    containerId: i.toString(16).padStart(64, '0'),
    containerName: `bench-${i}`,
    imageRef: `registry.example/team/app-${i % 40}:1`,
    imageId: `sha256:${(i % 40).toString(16).padStart(64, 'a')}`,
    digests: [],
    state: i % 10 === 0 ? 'exited' : 'running',
    allowed: i % 10 !== 0,
    reason: i % 10 === 0 ? 'not on the allowlist' : 'digest is on the allowlist',
    quarantined: i % 10 === 0,
  }));
  const status: EngineStatus = {
    connection: { state: 'connected', dockerHost: 'unix:///var/run/docker.sock', since: now },
    enforcement: { enabled: true, mode: 'quarantine' },
    notifications: { enabled: true },
    prevention: { ask: false, builds: 'allow', plugin: { state: 'off' } },
    counts: { allowlist: 40, quarantined: 50 },
    enforcing: true,
    ready: true,
    configDir: '/tmp/bench',
  };
  const unused = async () => {
    throw new Error('not used by this benchmark');
  };
  const reads: Partial<ApiHandlers> = {
    'status.get': async () => status,
    'containers.list': async () => containers,
    'allowlist.list': async () => [],
    'trust.list': async () => [],
    'log.list': async () => [],
  };
  return { ...Object.fromEntries(apiChannels.map((c) => [c, unused])), ...reads } as ApiHandlers;
}
