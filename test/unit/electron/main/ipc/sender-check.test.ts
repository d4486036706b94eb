import { describe, expect, it } from 'vitest';
import {
  isTrustedFrame,
  senderCheck,
  type FrameLike,
} from '../../../../../electron/main/ipc/sender-check.js';
import { rendererLocation } from '../../../../../electron/main/windows/renderer-location.js';

const packaged = rendererLocation({
  packaged: true,
  indexPath: '/opt/Gatehouse/resources/app.asar/dist/renderer/index.html',
});
const dev = rendererLocation({
  packaged: false,
  indexPath: '/src/gatehouse/dist/renderer/index.html',
  devServerUrl: 'http://localhost:5173/',
});

const top = (url: string): FrameLike => ({ url, parent: null });
const child = (url: string, parent: FrameLike): FrameLike => ({ url, parent });

const INDEX = 'file:///opt/Gatehouse/resources/app.asar/dist/renderer/index.html';

describe('the IPC sender check', () => {
  it("accepts the top frame of the packaged renderer's index.html, at any route", () => {
    expect(isTrustedFrame(top(INDEX), packaged)).toBe(true);
    expect(isTrustedFrame(top(`${INDEX}#/activity/${'a'.repeat(64)}`), packaged)).toBe(true);
    expect(isTrustedFrame(top(`${INDEX}?x=1#/allowlist`), packaged)).toBe(true);
  });

  it('accepts the dev server only when the app runs unpackaged with one configured', () => {
    expect(isTrustedFrame(top('http://localhost:5173/#/containers'), dev)).toBe(true);
    expect(isTrustedFrame(top('http://localhost:5173/'), packaged)).toBe(false);
    expect(isTrustedFrame(top(INDEX), dev)).toBe(false);
  });

  it('refuses a window that navigated to a web page', () => {
    expect(isTrustedFrame(top('http://evil.example/'), packaged)).toBe(false);
    expect(isTrustedFrame(top('https://localhost:5173/'), dev)).toBe(false);
    expect(isTrustedFrame(top('http://localhost:5174/'), dev)).toBe(false);
    expect(isTrustedFrame(top('http://localhost.evil.example:5173/'), dev)).toBe(false);
  });

  it("refuses a subframe, even one showing the app's own page", () => {
    const parent = top(INDEX);
    expect(isTrustedFrame(child(INDEX, parent), packaged)).toBe(false);
    expect(isTrustedFrame(child('https://ads.example/', parent), packaged)).toBe(false);
  });

  it('refuses other files, look-alike paths and other schemes', () => {
    for (const url of [
      'file:///opt/Gatehouse/resources/app.asar/dist/renderer/other.html',
      'file:///opt/Gatehouse/resources/app.asar/dist/renderer/index.html.evil',
      'file:///opt/Gatehouse/resources/app.asar/dist/renderer/../renderer2/index.html',
      'file:///tmp/index.html',
      'file://evil.example/opt/Gatehouse/resources/app.asar/dist/renderer/index.html',
      'devtools://devtools/bundled/index.html',
      'about:blank',
      '',
      'not a url',
    ])
      expect(isTrustedFrame(top(url), packaged), url).toBe(false);
  });

  it('refuses an event whose frame is gone (Electron passes null)', () => {
    expect(isTrustedFrame(null, packaged)).toBe(false);
    expect(senderCheck(packaged)({ senderFrame: null })).toBe(false);
    expect(senderCheck(packaged)({ senderFrame: top(INDEX) })).toBe(true);
  });

  it('compares a Windows path without regard to case, a POSIX one exactly', () => {
    const windows = rendererLocation({
      packaged: true,
      indexPath: '/C:/Program Files/Gatehouse/resources/app.asar/dist/renderer/index.html',
    });
    const url = new URL(windows.kind === 'file' ? windows.indexUrl : '').href;
    expect(isTrustedFrame(top(url.replace('/C:/', '/c:/')), windows)).toBe(true);
    expect(isTrustedFrame(top(INDEX.replace('/opt/', '/OPT/')), packaged)).toBe(false);
  });
});
