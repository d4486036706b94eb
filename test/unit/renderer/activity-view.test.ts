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
