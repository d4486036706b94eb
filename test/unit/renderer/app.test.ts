import { render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import App from '../../../renderer/src/App.svelte';
import { container, FakeApi, record, status } from './fake-api.js';

function fullApi() {
  let containers = [container()];
  let log = [record()];
  const api = new FakeApi({
    'status.get': () => status({ enforcement: { enabled: true, mode: 'quarantine' } }),
    'containers.list': () => containers,
    'allowlist.list': () => [],
    'trust.list': () => [],
    'log.list': () => log,
  });
  return {
    api,
    setContainers: (list: typeof containers) => (containers = list),
    setLog: (list: typeof log) => (log = list),
  };
}

beforeEach(() => {
  window.history.replaceState(null, '', '/');
});

describe('App', () => {
  it('shows the sidebar, the state badges and the Containers view', async () => {
    const { api } = fullApi();
    render(App, { api });
    const nav = screen.getByRole('navigation', { name: 'Main' });
    for (const name of ['Containers', 'Allowlist', 'Trust policies', 'Activity', 'Settings'])
      expect(within(nav).getByRole('link', { name: new RegExp(name) })).toBeTruthy();
    expect(within(nav).getByRole('link', { name: 'Containers' }).getAttribute('aria-current')).toBe(
      'page',
    );
    expect(await screen.findByText('Docker: connected')).toBeTruthy();
    expect(screen.getByText('Enforcing: quarantine')).toBeTruthy();
    expect(screen.getByRole('heading', { level: 1, name: 'Containers' })).toBeTruthy();
    expect(await screen.findByRole('rowheader', { name: /^web/ })).toBeTruthy();
  });

  it('routes by hash, including the activity deep link', async () => {
    const { api } = fullApi();
    render(App, { api });
    window.location.hash = '#/allowlist';
    expect(await screen.findByRole('heading', { level: 1, name: 'Allowlist' })).toBeTruthy();
    expect(screen.getByLabelText('Digests')).toBeTruthy();
    window.location.hash = `#/activity/${container().containerId.slice(0, 12)}`;
    expect(await screen.findByRole('heading', { level: 1, name: 'Activity' })).toBeTruthy();
    expect(await screen.findByText(/Highlighting the records of/)).toBeTruthy();
    await waitFor(() => expect(document.title).toBe('Activity · Gatehouse'));
  });

  it('a pushed decision refreshes the containers and the activity', async () => {
    const { api, setContainers } = fullApi();
    render(App, { api });
    await screen.findByRole('rowheader', { name: /^web/ });
    setContainers([
      container(),
      container({
        containerId: 'feedfacecafe'.padEnd(64, '1'),
        containerName: 'rogue',
        allowed: false,
        quarantined: true,
        reason: 'not on the allowlist',
      }),
    ]);
    api.emit(
      'decision',
      record({
        containerId: 'feedfacecafe'.padEnd(64, '1'),
        containerName: 'rogue',
        decision: 'quarantined',
        time: '2026-11-23T12:00:00.000Z',
      }),
    );
    expect(await screen.findByRole('rowheader', { name: /^rogue/ })).toBeTruthy();
    // The sidebar counts blocked containers.
    expect(screen.getByRole('link', { name: /Containers 1 blocked/ })).toBeTruthy();
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'Activity' }).getAttribute('href')).toBe(
      '#/activity',
    );
    window.location.hash = '#/activity';
    await screen.findByRole('heading', { level: 1, name: 'Activity' });
    const rows = screen.getAllByRole('row').slice(1);
    expect(rows[0]?.textContent).toContain('rogue');
    expect(rows[0]?.textContent).toContain('Quarantined');
    expect(api.callsTo('log.list')).toHaveLength(1);
  });
});
