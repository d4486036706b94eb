import { describe, expect, it } from 'vitest';
import {
  nextAlert,
  TRAY_ICON_NAMES,
  trayIconName,
  trayStatusLine,
} from '../../../../../electron/main/tray/tray-icon.js';
import { decision, status } from '../support.js';

describe('trayIconName', () => {
  it('shows enforcing for enforce and quarantine, audit for audit', () => {
    expect(trayIconName(status({ mode: 'enforce' }), false)).toBe('enforcing');
    expect(trayIconName(status({ mode: 'quarantine' }), false)).toBe('enforcing');
    expect(trayIconName(status({ mode: 'audit' }), false)).toBe('audit');
  });

  it('shows off when enforcement is off, whatever Docker does', () => {
    expect(trayIconName(status({ enabled: false }), false)).toBe('off');
    expect(trayIconName(status({ enabled: false, connection: 'disconnected' }), false)).toBe('off');
  });

  it('shows docker-unreachable while disconnected, but not while first connecting', () => {
    expect(trayIconName(status({ connection: 'disconnected' }), false)).toBe('docker-unreachable');
    expect(trayIconName(status({ connection: 'disconnected', mode: 'audit' }), false)).toBe(
      'docker-unreachable',
    );
    expect(trayIconName(status({ connection: 'connecting' }), false)).toBe('enforcing');
  });

  it('has an alert variant of each', () => {
    expect(trayIconName(status(), true)).toBe('enforcing-alert');
    expect(trayIconName(status({ enabled: false }), true)).toBe('off-alert');
    expect(TRAY_ICON_NAMES).toHaveLength(8);
    expect(TRAY_ICON_NAMES).toContain('docker-unreachable-alert');
  });
});

describe('the alert', () => {
  it('is raised when a container was stopped (removed or quarantined)', () => {
    expect(nextAlert(false, { kind: 'decision', record: decision({ decision: 'removed' }) })).toBe(
      true,
    );
    expect(
      nextAlert(false, { kind: 'decision', record: decision({ decision: 'quarantined' }) }),
    ).toBe(true);
  });

  it('is raised when Docker refused a container (prevention mode): the user should hear of it', () => {
    const refused = decision({ containerId: '', decision: 'prevented', trigger: 'authz:create' });
    expect(nextAlert(false, { kind: 'decision', record: refused })).toBe(true);
  });

  it('is not raised by allowed or audited containers, nor by a stop that failed', () => {
    for (const record of [
      decision({ decision: 'allowed' }),
      decision({ decision: 'audited' }),
      decision({ decision: 'removed', actionError: 'Docker refused the action' }),
    ])
      expect(nextAlert(false, { kind: 'decision', record })).toBe(false);
  });

  it('stays until the window opens', () => {
    expect(nextAlert(true, { kind: 'decision', record: decision({ decision: 'allowed' }) })).toBe(
      true,
    );
    expect(nextAlert(true, { kind: 'window-opened' })).toBe(false);
  });
});

describe('trayStatusLine', () => {
  it('says what Gatehouse does now', () => {
    expect(trayStatusLine(status({ mode: 'enforce' }))).toBe('Gatehouse: enforcing, enforce mode');
    expect(trayStatusLine(status({ mode: 'audit' }))).toBe('Gatehouse: audit mode, reporting only');
  });
});
