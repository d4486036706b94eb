import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { StatusStore } from '../../../renderer/src/stores/status.svelte.js';
import SettingsView from '../../../renderer/src/views/SettingsView.svelte';
import { FakeApi, status } from './fake-api.js';

let store: StatusStore | undefined;
afterEach(() => store?.dispose());

function setup(api: FakeApi) {
  store = new StatusStore(api, { debounceMs: 10 }).start();
  return render(SettingsView, { store });
}

describe('SettingsView', () => {
  it('shows the Docker host, the connection and the settings', async () => {
    setup(new FakeApi({ 'status.get': () => status() }));
    expect(await screen.findByText('unix:///var/run/docker.sock')).toBeTruthy();
    expect(screen.getByText('Connected')).toBeTruthy();
    expect((screen.getByRole('switch', { name: 'Enforcement' }) as HTMLInputElement).checked).toBe(
      true,
    );
    expect((screen.getByRole('radio', { name: /^Enforce/ }) as HTMLInputElement).checked).toBe(
      true,
    );
    expect(screen.getByText(/only record which containers would have been stopped/)).toBeTruthy();
  });

  it('shows a pushed connection change without refetching', async () => {
    const api = new FakeApi({ 'status.get': () => status() });
    setup(api);
    await screen.findByText('Connected');
    api.emit('connection', {
      state: 'disconnected',
      dockerHost: 'unix:///var/run/docker.sock',
      since: '2026-11-23T10:00:00.000Z',
      error: 'connect ENOENT /var/run/docker.sock',
    });
    expect(await screen.findByText('Disconnected')).toBeTruthy();
    expect(screen.getByText('connect ENOENT /var/run/docker.sock')).toBeTruthy();
    expect(api.callsTo('status.get')).toHaveLength(1);
  });

  it('changes the mode, enforcement and notifications', async () => {
    let current = status();
    const api = new FakeApi({
      'status.get': () => current,
      'mode.set': ({ mode }) =>
        (current = { ...current, enforcement: { ...current.enforcement, mode } }),
      'enforcement.set': ({ enabled }) =>
        (current = { ...current, enforcement: { ...current.enforcement, enabled } }),
      'notifications.set': ({ enabled }) => (current = { ...current, notifications: { enabled } }),
      'prevention.set': ({ ask, builds }) =>
        (current = {
          ...current,
          prevention: {
            ...current.prevention,
            ...(ask === undefined ? {} : { ask }),
            ...(builds === undefined ? {} : { builds }),
          },
        }),
    });
    setup(api);
    await fireEvent.click(await screen.findByRole('radio', { name: /^Quarantine/ }));
    await waitFor(() => expect(api.callsTo('mode.set')).toEqual([{ mode: 'quarantine' }]));
    await fireEvent.click(screen.getByRole('switch', { name: 'Enforcement' }));
    await waitFor(() => expect(api.callsTo('enforcement.set')).toEqual([{ enabled: false }]));
    await fireEvent.click(screen.getByRole('switch', { name: 'Desktop notifications' }));
    await waitFor(() => expect(api.callsTo('notifications.set')).toEqual([{ enabled: false }]));
    const ask = screen.getByRole('switch', {
      name: 'Ask before refusing a new image (prevention mode)',
    });
    expect((ask as HTMLInputElement).checked).toBe(false);
    await fireEvent.click(ask);
    await waitFor(() => expect(api.callsTo('prevention.set')).toEqual([{ ask: true }]));
    await fireEvent.click(screen.getByRole('switch', { name: 'Refuse builds while enforcing' }));
    await waitFor(() =>
      expect(api.callsTo('prevention.set')).toEqual([{ ask: true }, { builds: 'refuse' }]),
    );
    await waitFor(() =>
      expect(
        (screen.getByRole('switch', { name: 'Enforcement' }) as HTMLInputElement).checked,
      ).toBe(false),
    );
  });

  it('shows why a change failed and the engine state again', async () => {
    const api = new FakeApi({
      'status.get': () => status(),
      'mode.set': () => {
        throw { code: 'failed', message: 'settings are locked', problems: ['settings are locked'] };
      },
    });
    setup(api);
    await fireEvent.click(await screen.findByRole('radio', { name: /^Audit/ }));
    expect((await screen.findByRole('alert')).textContent).toContain('settings are locked');
    await waitFor(() =>
      expect((screen.getByRole('radio', { name: /^Enforce/ }) as HTMLInputElement).checked).toBe(
        true,
      ),
    );
  });

  describe("prevention's plugin", () => {
    const ASK = 'Ask before refusing a new image (prevention mode)';
    const line = async () =>
      (await screen.findByText(/./, { selector: '#settings-prevention-plugin' })).textContent
        ?.replace(/\s+/g, ' ')
        .trim();
    const askSwitch = () => screen.getByRole('switch', { name: ASK }) as HTMLInputElement;

    it('serving: the plugin is served on the daemon socket, and how to check Docker uses it', async () => {
      const plugin = { state: 'serving', socketPath: '/run/gatehouse/authz.sock' } as const;
      setup(
        new FakeApi({
          'status.get': () => status({ prevention: { ask: true, builds: 'allow', plugin } }),
        }),
      );
      expect(await line()).toBe(
        "Served Gatehouse serves Docker's authorization plugin on /run/gatehouse/authz.sock: once installed, Docker asks it before creating or starting a container (gatehouse authz status checks).",
      );
      expect(askSwitch().disabled).toBe(false);
      expect(askSwitch().checked).toBe(true);
      // Builds allowed while the plugin serves: said plainly, since they are not decided.
      expect(screen.getByRole('note').textContent).toContain(
        "Builds are allowed: a Dockerfile's base image and RUN steps run unchecked",
      );
    });

    it('serving with builds refused: no warning, the switch on', async () => {
      const plugin = { state: 'serving', socketPath: '/run/gatehouse/authz.sock' } as const;
      setup(
        new FakeApi({
          'status.get': () => status({ prevention: { ask: false, builds: 'refuse', plugin } }),
        }),
      );
      await line();
      expect(screen.queryByRole('note')).toBeNull();
      expect(
        (screen.getByRole('switch', { name: 'Refuse builds while enforcing' }) as HTMLInputElement)
          .checked,
      ).toBe(true);
    });

    it('off: reactive guard only, and the two commands that turn it on', async () => {
      setup(new FakeApi({ 'status.get': () => status() }));
      expect(await line()).toBe(
        'Off Reactive guard only: containers that are not allowed are stopped right after they start. To have Docker ask first, run gatehouse daemon --authz-socket /run/gatehouse/authz.sock, then sudo gatehouse authz install.',
      );
      expect(askSwitch().disabled).toBe(false);
    });

    it('unsupported: the reason, and the ask switch disabled with a note', async () => {
      const reason =
        'Docker Desktop (macOS, Windows) cannot load authorization plugins: Gatehouse stops non-allowed containers right after they start';
      const plugin = { state: 'unsupported', reason } as const;
      setup(
        new FakeApi({
          'status.get': () => status({ prevention: { ask: false, builds: 'allow', plugin } }),
        }),
      );
      expect(await line()).toBe(`Not available ${reason}.`);
      expect(askSwitch().disabled).toBe(true);
      expect(askSwitch().getAttribute('aria-describedby')).toBe(
        'settings-prevention-switch-description',
      );
      expect(screen.getByText(/^Not available here: Docker cannot ask Gatehouse/)).toBeTruthy();
    });
  });
});
