import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { PendingApproval } from '../../../renderer/src/api/types.js';
import ApprovalDialog from '../../../renderer/src/components/ApprovalDialog.svelte';
import { ApprovalsStore } from '../../../renderer/src/stores/approvals.svelte.js';
import { DIGEST_A, FakeApi } from './fake-api.js';

let store: ApprovalsStore | undefined;
afterEach(() => store?.dispose());

const ID = '6f1c2a0e-8b1d-4c43-9a57-2f0d3c4b5e61';

function question(): PendingApproval {
  const now = Date.now();
  return {
    id: ID,
    imageRef: 'team/app:1',
    digest: DIGEST_A,
    reason: 'not on the allowlist',
    askedAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 15_000).toISOString(),
  };
}

/** One question waiting until it is answered; the `approvals` event announces the change. */
function setup() {
  let pending = [question()];
  const api = new FakeApi({
    'approvals.list': () => pending,
    'approvals.answer': () => {
      pending = [];
      return { answered: true };
    },
  });
  store = new ApprovalsStore(api, { debounceMs: 10 }).start();
  render(ApprovalDialog, { store });
  return api;
}

describe('ApprovalDialog', () => {
  it('shows nothing while no create waits', async () => {
    const api = new FakeApi({ 'approvals.list': () => [] });
    store = new ApprovalsStore(api, { debounceMs: 10 }).start();
    render(ApprovalDialog, { store });
    await waitFor(() => expect(api.callsTo('approvals.list')).toHaveLength(1));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('shows the waiting image, digest, reason and time left, focused', async () => {
    setup();
    const dialog = await screen.findByRole('dialog', { name: 'Approve this image?' });
    expect(dialog.textContent).toContain('team/app:1');
    expect(dialog.textContent).toContain(DIGEST_A);
    expect(dialog.textContent).toContain('not on the allowlist');
    expect(dialog.textContent).toMatch(/1[45] s/);
    await waitFor(() => expect(document.activeElement).toBe(dialog));
  });

  it('approves with the label given, then closes', async () => {
    const api = setup();
    await screen.findByRole('dialog');
    await fireEvent.input(screen.getByLabelText('Label (optional)'), {
      target: { value: 'reviewed' },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Approve' }));
    await waitFor(() =>
      expect(api.callsTo('approvals.answer')).toEqual([
        { id: ID, approve: true, label: 'reviewed' },
      ]),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('denies', async () => {
    const api = setup();
    await fireEvent.click(await screen.findByRole('button', { name: 'Deny' }));
    await waitFor(() =>
      expect(api.callsTo('approvals.answer')).toEqual([{ id: ID, approve: false }]),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('refetches when the engine announces a new question', async () => {
    let pending: PendingApproval[] = [];
    const api = new FakeApi({ 'approvals.list': () => pending });
    store = new ApprovalsStore(api, { debounceMs: 10 }).start();
    render(ApprovalDialog, { store });
    await waitFor(() => expect(api.callsTo('approvals.list')).toHaveLength(1));
    pending = [question()];
    api.emit('approvals', {});
    expect(await screen.findByRole('dialog')).toBeTruthy();
  });
});
