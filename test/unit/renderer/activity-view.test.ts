import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { ActivityStore } from '../../../renderer/src/stores/activity.svelte.js';
import ActivityView from '../../../renderer/src/views/ActivityView.svelte';
import { DIGEST_B, FakeApi, record } from './fake-api.js';

const OTHER = 'abcdefabcdef'.padEnd(64, '3');

// log.list answers oldest first.
const log = () => [
  record({ time: '2026-11-23T10:00:00.000Z', containerName: 'first' }),
  record({
    time: '2026-11-23T10:05:00.000Z',
    containerId: OTHER,
    containerName: 'intruder',
    digests: [DIGEST_B],
    decision: 'removed',
    reason: 'not on the allowlist',
  }),
  record({
    time: '2026-11-23T10:10:00.000Z',
    containerName: 'last',
    allowedBy: { kind: 'entry', digest: DIGEST_B, label: 'team/api' },
  }),
];

let store: ActivityStore | undefined;
afterEach(() => store?.dispose());

function setup(api: FakeApi, containerId?: string) {
  store = new ActivityStore(api, { debounceMs: 10 }).start();
  return render(ActivityView, { store, containerId });
}

function names() {
  return screen
    .getAllByRole('row')
    .slice(1)
    .map((row) => row.querySelector('.name')?.textContent);
}

describe('ActivityView', () => {
  it('says what to do when there are no decisions', async () => {
    setup(new FakeApi({ 'log.list': () => [] }));
    expect(await screen.findByText('No decisions yet')).toBeTruthy();
  });

  it('lists decisions newest first with why', async () => {
    const api = new FakeApi({ 'log.list': log });
    setup(api);
    await screen.findByText('intruder');
    expect(names()).toEqual(['last', 'intruder', 'first']);
    expect(screen.getByText('Removed', { selector: '.badge' })).toBeTruthy();
    expect(screen.getByText(/by allowlist entry “team\/api”/)).toBeTruthy();
    expect(api.callsTo('log.list')).toEqual([{ limit: 2000 }]);
  });

  it('prepends pushed decisions', async () => {
    const api = new FakeApi({ 'log.list': log });
    setup(api);
    await screen.findByText('intruder');
    api.emit(
      'decision',
      record({ time: '2026-11-23T11:00:00.000Z', containerName: 'pushed', decision: 'audited' }),
    );
    await waitFor(() => expect(names()[0]).toBe('pushed'));
    expect(screen.getByText('Audited: would block')).toBeTruthy();
    expect(api.callsTo('log.list')).toHaveLength(1);
  });

  it('filters by text and by decision kind', async () => {
    setup(new FakeApi({ 'log.list': log }));
    await screen.findByText('intruder');
    await fireEvent.change(screen.getByLabelText('Decision'), { target: { value: 'removed' } });
    expect(names()).toEqual(['intruder']);
    await fireEvent.change(screen.getByLabelText('Decision'), { target: { value: 'all' } });
    await fireEvent.input(screen.getByLabelText('Filter'), { target: { value: 'LAST' } });
    expect(names()).toEqual(['last']);
    await fireEvent.input(screen.getByLabelText('Filter'), { target: { value: 'zzz' } });
    expect(screen.getByText('No record matches')).toBeTruthy();
  });

  it("highlights a container's records from a deep link", async () => {
    setup(new FakeApi({ 'log.list': log }), OTHER.slice(0, 12));
    await screen.findByText('Decision log, newest first');
    const row = screen.getByText('intruder', { selector: '.name' }).closest('tr')!;
    expect(row.classList.contains('highlight')).toBe(true);
    expect(row.getAttribute('aria-current')).toBe('true');
    expect(
      screen.getAllByRole('row').filter((r) => r.classList.contains('highlight')),
    ).toHaveLength(1);
    const note = screen.getByText(/Highlighting the records of/).closest<HTMLElement>('.message')!;
    expect(within(note).getByText('intruder')).toBeTruthy();
    await fireEvent.click(screen.getByLabelText('Only this container'));
    expect(names()).toEqual(['intruder']);
  });
});

describe('ActivityView: refusals by the authorization plugin (prevented)', () => {
  const IMAGE_ID = `sha256:${'9'.repeat(64)}`;
  const prevented = (overrides: Parameters<typeof record>[0] = {}) =>
    record({
      time: '2026-11-23T10:20:00.000Z',
      containerId: '',
      containerName: 'refused-run',
      imageRef: 'prev/unknown:1',
      imageId: IMAGE_ID,
      digests: [],
      decision: 'prevented',
      reason: `not on the allowlist. To approve it: gatehouse allowlist add ${IMAGE_ID}`,
      trigger: 'authz:create',
      ...overrides,
    });

  it('shows a refused create with its badge, "not created", the trigger and an approve link', async () => {
    setup(new FakeApi({ 'log.list': () => [...log(), prevented()] }));
    const row = (await screen.findByText('refused-run')).closest('tr')!;
    expect(within(row).getByText('Prevented', { selector: '.badge' })).toBeTruthy();
    expect(within(row).getByText('not created')).toBeTruthy();
    expect(within(row).getByText('authz:create')).toBeTruthy();
    expect(within(row).getByText(/To approve it: gatehouse allowlist add/)).toBeTruthy();
    const approve = within(row).getByRole('link', { name: 'Approve this image…' });
    expect(approve.getAttribute('href')).toBe(`#/allowlist/${encodeURIComponent(IMAGE_ID)}`);
    // The registry digest, when Docker has one, is what gets approved.
    const other = (await screen.findByText('intruder')).closest('tr')!;
    expect(within(other).queryByRole('link', { name: 'Approve this image…' })).toBeNull();
  });

  it('filters to prevented records', async () => {
    setup(
      new FakeApi({
        'log.list': () => [
          ...log(),
          prevented(),
          prevented({
            containerId: OTHER,
            containerName: 'stopped',
            trigger: 'authz:start',
            digests: [DIGEST_B],
          }),
        ],
      }),
    );
    await screen.findByText('refused-run');
    await fireEvent.change(screen.getByLabelText('Decision'), { target: { value: 'prevented' } });
    expect(names()).toEqual(['stopped', 'refused-run']);
    const started = screen.getByText('stopped').closest('tr')!;
    expect(
      within(started).getByRole('link', { name: 'Approve this image…' }).getAttribute('href'),
    ).toBe(`#/allowlist/${encodeURIComponent(DIGEST_B)}`);
  });

  it('keeps two pushed refused creates of different images (both have no container ID)', async () => {
    const api = new FakeApi({ 'log.list': () => [] });
    setup(api);
    await screen.findByText('No decisions yet');
    api.emit('decision', prevented({ containerName: 'one' }));
    api.emit('decision', prevented({ containerName: 'one', imageId: `sha256:${'8'.repeat(64)}` }));
    api.emit('decision', prevented({ containerName: 'one' })); // the same record pushed twice
    await waitFor(() => expect(names()).toEqual(['one', 'one']));
  });
});
