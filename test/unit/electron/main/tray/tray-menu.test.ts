import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import {
  recentBlockedFromLog,
  rememberBlocked,
  trayMenuTemplate,
  type TrayActions,
  type TrayState,
} from '../../../../../electron/main/tray/tray-menu.js';
import type { Mode } from '../../../../../shared/api/schemas.js';
import { decision, id, status } from '../support.js';

function actions() {
  return {
    setEnforcement: vi.fn<(enabled: boolean) => void>(),
    setMode: vi.fn<(mode: Mode) => void>(),
    openWindow: vi.fn<(route?: string) => void>(),
    setStartAtLogin: vi.fn<(enabled: boolean) => void>(),
    quit: vi.fn<() => void>(),
  } satisfies TrayActions;
}

function state(overrides: Partial<TrayState> = {}): TrayState {
  return { status: status(), recentBlocked: [], startAtLogin: false, ...overrides };
}

const byLabel = (menu: MenuItemConstructorOptions[], label: string | RegExp) => {
  const item = menu.find((i) =>
    typeof label === 'string' ? i.label === label : label.test(i.label ?? ''),
  );
  if (!item) throw new Error(`no menu item ${label}`);
  return item;
};
const click = (item: MenuItemConstructorOptions) =>
  (item.click as unknown as () => void | undefined)?.();

describe('trayMenuTemplate', () => {
  it('shows the state, the enforcement switch and the mode as radio items', () => {
    const menu = trayMenuTemplate(state({ status: status({ mode: 'quarantine' }) }), actions());
    expect(menu[0]).toEqual({ label: 'Gatehouse: enforcing, quarantine mode', enabled: false });
    expect(byLabel(menu, 'Enforce the allowlist')).toMatchObject({
      type: 'checkbox',
      checked: true,
    });
    const radios = menu.filter((i) => i.type === 'radio');
    expect(radios.map((i) => [i.label, i.checked])).toEqual([
      ['Enforce: stop and remove', false],
      ['Quarantine: stop and keep', true],
      ['Audit: report only', false],
    ]);
  });

  it('toggles enforcement to the opposite of the engine’s state', () => {
    const on = actions();
    click(byLabel(trayMenuTemplate(state(), on), 'Enforce the allowlist'));
    expect(on.setEnforcement).toHaveBeenCalledWith(false);
    const off = actions();
    const menu = trayMenuTemplate(state({ status: status({ enabled: false }) }), off);
    expect(menu[0]?.label).toBe('Gatehouse: enforcement is off');
    click(byLabel(menu, 'Enforce the allowlist'));
    expect(off.setEnforcement).toHaveBeenCalledWith(true);
  });

  it('sets a new mode, and does nothing for the radio already checked', () => {
    const a = actions();
    const menu = trayMenuTemplate(state({ status: status({ mode: 'audit' }) }), a);
    click(byLabel(menu, 'Audit: report only'));
    expect(a.setMode).not.toHaveBeenCalled();
    click(byLabel(menu, 'Enforce: stop and remove'));
    expect(a.setMode).toHaveBeenCalledWith('enforce');
  });

  it('lists the recently blocked containers, each opening the window at its activity', () => {
    const a = actions();
    const blocked = [
      decision({ containerId: id('b'), containerName: 'api', decision: 'quarantined' }),
      decision({ containerId: id('c'), containerName: 'db', decision: 'audited' }),
      decision({ containerId: id('d'), containerName: 'job', actionError: 'Docker refused' }),
    ];
    const menu = trayMenuTemplate(state({ recentBlocked: blocked }), a);
    expect(byLabel(menu, /^api /).label).toBe('api (ghcr.io/acme/web:1.4): quarantined');
    expect(byLabel(menu, /^db /).label).toBe('db (ghcr.io/acme/web:1.4): would be stopped');
    expect(byLabel(menu, /^job /).label).toBe('job (ghcr.io/acme/web:1.4): could not be stopped');
    click(byLabel(menu, /^db /));
    expect(a.openWindow).toHaveBeenCalledWith(`/activity/${id('c')}`);
  });

  it('says so when nothing was blocked', () => {
    expect(byLabel(trayMenuTemplate(state(), actions()), 'Nothing blocked recently')).toMatchObject(
      {
        enabled: false,
      },
    );
  });

  it('shortens long names and escapes & (an access-key marker)', () => {
    const long = decision({ containerName: 'x'.repeat(80), imageRef: 'r&d/tool:1' });
    const item = trayMenuTemplate(state({ recentBlocked: [long] }), actions()).find((i) =>
      i.label?.startsWith('xxx'),
    );
    expect(item?.label).toBe(`${'x'.repeat(31)}… (r&&d/tool:1): removed`);
  });

  it('shows control characters in names and images escaped, never raw', () => {
    const hostile = decision({ containerName: 'a\x1b[2Jb', imageRef: 'x\u202eexe.txt' });
    const item = trayMenuTemplate(state({ recentBlocked: [hostile] }), actions()).find((i) =>
      i.label?.startsWith('a'),
    );
    expect(item?.label).toBe('a\\x1b[2Jb (x\\u202eexe.txt): removed');
  });

  it('opens the window, toggles start at login and quits', () => {
    const a = actions();
    const menu = trayMenuTemplate(state({ startAtLogin: true }), a);
    click(byLabel(menu, 'Open Gatehouse'));
    expect(a.openWindow).toHaveBeenCalledWith();
    expect(byLabel(menu, 'Start at login')).toMatchObject({ type: 'checkbox', checked: true });
    click(byLabel(menu, 'Start at login'));
    expect(a.setStartAtLogin).toHaveBeenCalledWith(false);
    click(byLabel(menu, 'Quit Gatehouse'));
    expect(a.quit).toHaveBeenCalled();
  });

  it('leaves Start at login out where the platform cannot do it', () => {
    const menu = trayMenuTemplate(state({ startAtLogin: undefined }), actions());
    expect(menu.some((i) => i.label === 'Start at login')).toBe(false);
  });

  it('reports an unreachable Docker in its first line', () => {
    const menu = trayMenuTemplate(
      state({ status: status({ connection: 'disconnected' }) }),
      actions(),
    );
    expect(menu[0]?.label).toBe(
      'Gatehouse: Docker unreachable (unix:///var/run/docker.sock), retrying',
    );
  });
});

describe('the recently blocked list', () => {
  it('is newest first, one entry per container, at most five', () => {
    let list = recentBlockedFromLog(
      ['1', '2', '3', '4', '5', '6'].map((c) => decision({ containerId: id(c) })),
    );
    expect(list.map((r) => r.containerId[0])).toEqual(['6', '5', '4', '3', '2']);
    list = rememberBlocked(list, decision({ containerId: id('3'), decision: 'quarantined' }));
    expect(list.map((r) => r.containerId[0])).toEqual(['3', '6', '5', '4', '2']);
  });

  it('drops a container once it is allowed, and ignores allowed ones', () => {
    const list = [decision({ containerId: id('a') }), decision({ containerId: id('b') })];
    expect(
      rememberBlocked(list, decision({ containerId: id('a'), decision: 'allowed' })).map(
        (r) => r.containerId[0],
      ),
    ).toEqual(['b']);
    expect(rememberBlocked([], decision({ decision: 'allowed' }))).toEqual([]);
  });
});

describe('refusals by the authorization plugin (prevented) in the tray', () => {
  const DIGEST = `sha256:${'c'.repeat(64)}`;
  const create = (name: string, imageRef = 'team/app:1') =>
    decision({
      containerId: '',
      containerName: name,
      imageRef,
      imageId: `sha256:${(imageRef === 'team/app:1' ? '2' : '3').repeat(64)}`,
      digests: [DIGEST],
      decision: 'prevented',
      trigger: 'authz:create',
    });

  it('lists a refused create as blocked, and a click opens its approval', () => {
    const a = actions();
    const menu = trayMenuTemplate(state({ recentBlocked: [create('')] }), a);
    const item = byLabel(menu, 'new container (team/app:1): create refused, approve…');
    click(item);
    expect(a.openWindow).toHaveBeenCalledWith(`/allowlist/${encodeURIComponent(DIGEST)}`);
    const start = decision({ decision: 'prevented', trigger: 'authz:start', containerName: 'api' });
    expect(
      byLabel(trayMenuTemplate(state({ recentBlocked: [start] }), actions()), /^api /).label,
    ).toBe('api (ghcr.io/acme/web:1.4): start refused, approve…');
  });

  it('keeps refused creates apart by name and image, once each (no container ID to tell them apart)', () => {
    const list = recentBlockedFromLog([
      create('web'),
      create(''),
      create('web'),
      create('', 'team/other:1'),
      decision({ containerId: id('a') }),
    ]);
    expect(list.map((r) => `${r.containerName}|${r.imageRef}`)).toEqual([
      'web-aaaa|ghcr.io/acme/web:1.4',
      '|team/other:1',
      'web|team/app:1',
      '|team/app:1',
    ]);
  });
});
