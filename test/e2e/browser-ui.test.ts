import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from '@playwright/test';
import { launchChromium } from '../env/chromium.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { connectDockerd, type DockerClient } from '../env/dockerd.js';
import { containerState, mustRun, removeAllContainers, runDetached } from '../env/containers.js';
import { importImage } from '../env/images.js';
import { configDirWith, gatehouse, waitFor } from '../integration/support/engine-harness.js';
import { startUiDaemon, type UiDaemon } from '../integration/support/ui-daemon.js';

/**
 * The renderer in Debian's Chromium, driven by Playwright, against browser mode with the
 * real engine and the real dockerd. Screenshots of each view are kept in
 * test-results/screenshots as artifacts to look at.
 */
const SHOTS = resolve(import.meta.dirname, '../../test-results/screenshots');

let dockerd: DockerClient;
let browser: Browser;
let page: Page;
let daemon: UiDaemon | undefined;
let allowedId: string;
let unknownId: string;

const shot = (name: string) =>
  page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  dockerd = connectDockerd(inject('dockerdDir'));
  allowedId = await importImage(dockerd, 'e2e/allowed:1');
  unknownId = await importImage(dockerd, 'e2e/unknown:1');
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

beforeEach(async () => {
  await removeAllContainers(dockerd);
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
});

afterEach(async () => {
  await page?.close();
  await daemon?.stop();
  daemon = undefined;
});

describe('the Gatehouse UI in a real browser', () => {
  it('lists containers, shows a blocked one, approves it, and then lets that image run', async () => {
    const configDir = configDirWith({ mode: 'enforce', allow: [allowedId] });
    daemon = await startUiDaemon(configDir, dockerd.host);
    await mustRun(dockerd, 'web', 'e2e/allowed:1');
    await page.goto(daemon.link.href);
    // The token moved out of the address bar into the session.
    await waitFor('the token to leave the URL', async () => !page.url().includes('token='));

    await page.getByText('web', { exact: true }).first().waitFor();
    await shot('containers');

    await runDetached(dockerd, 'intruder', 'e2e/unknown:1');
    const blockedRow = page.getByRole('row').filter({ hasText: 'intruder' });
    await blockedRow.getByText('Blocked').waitFor();
    await shot('containers-blocked');

    await page.goto(`${daemon.link.origin}/#/activity`);
    await page.getByText('intruder').first().waitFor();
    await shot('activity');

    await page.goto(`${daemon.link.origin}/#/containers`);
    await page.getByRole('button', { name: 'Approve intruder' }).click();
    await page.getByRole('button', { name: 'Confirm approval' }).click();
    await page.getByText(/Approved intruder/).waitFor();

    const listed = await gatehouse(['--config-dir', configDir, 'allowlist', 'list', '--json']);
    expect(JSON.parse(listed.stdout).map((e: { digest: string }) => e.digest)).toContain(unknownId);
    await mustRun(dockerd, 'approved', 'e2e/unknown:1');
    await new Promise((r) => setTimeout(r, 500));
    expect(await containerState(dockerd, 'approved')).toBe('running');
  });

  it('shows bad allowlist input at the field and saves nothing; refuses API calls without the token', async () => {
    const configDir = configDirWith({ mode: 'audit', allow: [allowedId] });
    const settings = join(configDir, 'settings.json');
    const before = readFileSync(settings, 'utf8');
    daemon = await startUiDaemon(configDir, dockerd.host);
    await page.goto(daemon.link.href);
    await page.goto(`${daemon.link.origin}/#/allowlist`);
    await page.getByText(allowedId.slice(7, 19)).first().waitFor();
    await page.getByLabel('Digests').fill(`${unknownId}\nnginx:latest`);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page
      .getByText(/nginx:latest/)
      .last()
      .waitFor();
    await shot('allowlist-error');
    expect(readFileSync(settings, 'utf8')).toBe(before);

    for (const view of ['trust', 'settings']) {
      await page.goto(`${daemon.link.origin}/#/${view}`);
      await page.getByRole('heading', { level: 1 }).waitFor();
      await shot(view);
    }

    const anonymous = await fetch(`${daemon.link.origin}/api/status.get`, {
      method: 'POST',
      body: '{}',
    });
    expect(anonymous.status).toBe(401);
  });
});
