import { chromium, type Browser } from '@playwright/test';

/**
 * Debian's Chromium under Playwright: Playwright must not download browsers here, and without
 * the networking flags Chromium floods the closed network with refused connections.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
