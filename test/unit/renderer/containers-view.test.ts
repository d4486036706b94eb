import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { ContainersStore } from '../../../renderer/src/stores/containers.svelte.js';
import ContainersView from '../../../renderer/src/views/ContainersView.svelte';
import { container, DIGEST_B, FakeApi, record } from './fake-api.js';

const BLOCKED_ID = 'feedfacecafe'.padEnd(64, '1');
const REMOVED_ID = 'deadbeef0000'.padEnd(64, '2');

function blocked() {
  return container({
    containerId: BLOCKED_ID,
    containerName: 'rogue',
    imageRef: 'docker.io/library/unknown:latest',
    digests: [DIGEST_B],
    state: 'exited',
    allowed: false,
    quarantined: true,
    reason: 'not on the allowlist and no trust policy covers docker.io/library/unknown',
    lastDecision: record({ containerId: BLOCKED_ID, decision: 'quarantined' }),
  });
}

function removed() {
  return container({
    containerId: REMOVED_ID,
    containerName: 'gone',
    state: 'removed',
    allowed: false,
    reason: 'not on the allowlist',
  });
}

let store: ContainersStore | undefined;
afterEach(() => store?.dispose());

function setup(api: FakeApi) {
  store = new ContainersStore(api, { debounceMs: 10 }).start();
  return render(ContainersView, { store });
}

describe('ContainersView', () => {
  it('says what to do when there are no containers', async () => {
    setup(new FakeApi({ 'containers.list': () => [] }));
    expect(await screen.findByText('No containers on this Docker engine')).toBeTruthy();
    expect(screen.getByText(/docker run/)).toBeTruthy();
  });

  it('shows a loading state, then an error with Retry', async () => {
    let fail = true;
    const api = new FakeApi({
      'containers.list': () => {
        if (fail) throw new Error('Docker is not reachable');
        return [container()];
      },
    });
    setup(api);
    expect(screen.getByText('Loading containers…')).toBeTruthy();
    expect((await screen.findByRole('alert')).textContent).toContain('Docker is not reachable');
    fail = false;
    await fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByRole('rowheader', { name: /^web/ })).toBeTruthy();
  });

  it('lists containers with their decision, marking blocked ones "Blocked" with the reason', async () => {
    setup(new FakeApi({ 'containers.list': () => [container(), blocked(), removed()] }));
    const web = (await screen.findByRole('rowheader', { name: /^web/ })).closest('tr')!;
    expect(within(web).getByText('Allowed')).toBeTruthy();
    expect(within(web).getByText('registry.local/team/web:1.0')).toBeTruthy();
    expect(within(web).queryByRole('button', { name: /Approve/ })).toBeNull();
    expect(within(web).getByRole('button', { name: 'Stop web' })).toBeTruthy();

    const rogue = screen.getByRole('rowheader', { name: /^rogue/ }).closest('tr')!;
    expect(within(rogue).getByText('Blocked')).toBeTruthy();
    expect(within(rogue).getByText(/Quarantined/)).toBeTruthy();
    expect(within(rogue).getByText(/no trust policy covers/)).toBeTruthy();
    // The digest is shortened; the full value is in the title.
    const digest = within(rogue).getByTitle(DIGEST_B);
    expect(digest.textContent).toBe(`sha256:${'b'.repeat(12)}…`);

    const gone = screen.getByRole('rowheader', { name: /^gone/ }).closest('tr')!;
    expect(within(gone).getByText('Blocked')).toBeTruthy();
    expect(within(gone).getByText('Removed by Gatehouse')).toBeTruthy();

    // One Approve button per blocked row.
    expect(screen.getAllByRole('button', { name: /^Approve / })).toHaveLength(2);
    expect(screen.getByText('2 blocked')).toBeTruthy();
  });

  it('approves a blocked container with an optional label', async () => {
    const api = new FakeApi({
      'containers.list': () => [container(), blocked()],
      'containers.approve': () => ({ digest: DIGEST_B, restarted: true }),
    });
    setup(api);
    await fireEvent.click(await screen.findByRole('button', { name: 'Approve rogue' }));
    const form = screen.getByRole('form', { name: 'Approve rogue' });
    // The containers the approval lets run are named before anything is saved.
    expect(form.querySelector('.affected')?.textContent).toMatch(
      /Containers of this image: .*rogue \(exited\)/,
    );
    expect(within(form).getByRole('button', { name: 'Keep blocked' })).toBeTruthy();
    await fireEvent.input(within(form).getByLabelText('Label (optional)'), {
      target: { value: 'vetted by sec' },
    });
    await fireEvent.click(within(form).getByRole('button', { name: 'Confirm approval' }));
    await waitFor(() =>
      expect(api.callsTo('containers.approve')).toEqual([
        { containerId: BLOCKED_ID, label: 'vetted by sec' },
      ]),
    );
    expect(await screen.findByText(/was started again/)).toBeTruthy();
    expect(screen.queryByRole('form', { name: 'Approve rogue' })).toBeNull();
  });

  it('shows why an approval failed and keeps the form open', async () => {
    const api = new FakeApi({
      'containers.list': () => [blocked()],
      'containers.approve': () => {
        throw { code: 'failed', message: 'no such container', problems: ['no such container'] };
      },
    });
    setup(api);
    await fireEvent.click(await screen.findByRole('button', { name: 'Approve rogue' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Confirm approval' }));
    expect((await screen.findByRole('alert')).textContent).toContain('no such container');
    expect(screen.getByRole('form', { name: 'Approve rogue' })).toBeTruthy();
  });

  it('stops a running container', async () => {
    const api = new FakeApi({
      'containers.list': () => [container()],
      'containers.stop': ({ containerId }) => ({ stopped: containerId }),
    });
    setup(api);
    await fireEvent.click(await screen.findByRole('button', { name: 'Stop web' }));
    await waitFor(() =>
      expect(api.callsTo('containers.stop')).toEqual([{ containerId: container().containerId }]),
    );
  });

  it('refetches once after a burst of pushed decision events', async () => {
    let list = [container()];
    const api = new FakeApi({ 'containers.list': () => list });
    setup(api);
    await screen.findByRole('rowheader', { name: /^web/ });
    expect(api.callsTo('containers.list')).toHaveLength(1);
    list = [container(), blocked()];
    for (let i = 0; i < 5; i++) api.emit('decision', record({ decision: 'quarantined' }));
    expect(await screen.findByRole('rowheader', { name: /^rogue/ })).toBeTruthy();
    expect(api.callsTo('containers.list')).toHaveLength(2);
  });

  it('filters by name and by decision', async () => {
    setup(new FakeApi({ 'containers.list': () => [container(), blocked()] }));
    await screen.findByRole('rowheader', { name: /^web/ });
    await fireEvent.change(screen.getByLabelText('Show'), { target: { value: 'blocked' } });
    expect(screen.queryByRole('rowheader', { name: /^web/ })).toBeNull();
    expect(screen.getByRole('rowheader', { name: /^rogue/ })).toBeTruthy();
    await fireEvent.input(screen.getByLabelText('Filter containers'), {
      target: { value: 'nothing-like-this' },
    });
    expect(screen.getByText('No container matches')).toBeTruthy();
  });

  it('renders hundreds of containers', async () => {
    const many = Array.from({ length: 500 }, (_, i) =>
      container({
        containerId: i.toString(16).padStart(12, '0').padEnd(64, 'f'),
        containerName: `c-${i}`,
        allowed: i % 10 !== 0,
      }),
    );
    setup(new FakeApi({ 'containers.list': () => many }));
    await screen.findByRole('rowheader', { name: /^c-499/ });
    expect(screen.getAllByRole('row')).toHaveLength(501);
    expect(screen.getAllByText('Blocked')).toHaveLength(50);
  });
});

describe('ContainersView: a container Docker refused to start (prevention mode)', () => {
  it('says the start was refused rather than a generic "not allowed"', async () => {
    setup(
      new FakeApi({
        'containers.list': () => [
          container({
            ...blocked(),
            state: 'created',
            quarantined: false,
            lastDecision: record({
              containerId: BLOCKED_ID,
              decision: 'prevented',
              trigger: 'authz:start',
            }),
          }),
        ],
      }),
    );
    const row = (await screen.findByText('rogue', { selector: '.name' })).closest('tr')!;
    expect(within(row).getByText('Docker refused to start it')).toBeTruthy();
    expect(within(row).queryByText('Not allowed to run')).toBeNull();
  });
});
