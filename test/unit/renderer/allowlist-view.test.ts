import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { AllowlistEntry } from '../../../renderer/src/api/types.js';
import { AllowlistStore } from '../../../renderer/src/stores/allowlist.svelte.js';
import AllowlistView from '../../../renderer/src/views/AllowlistView.svelte';
import { DIGEST_A, DIGEST_B, DIGEST_C, FakeApi } from './fake-api.js';

let store: AllowlistStore | undefined;
afterEach(() => store?.dispose());

function setup(api: FakeApi) {
  store = new AllowlistStore(api, { debounceMs: 10 }).start();
  return render(AllowlistView, { store });
}

const entries = (): AllowlistEntry[] => [
  {
    digest: DIGEST_A,
    label: 'team/api 1.4',
    addedAt: '2026-11-20T10:00:00.000Z',
    source: 'manual',
  },
  {
    digest: DIGEST_B,
    addedAt: '2026-11-21T10:00:00.000Z',
    source: 'signature',
    signature: {
      policy: 'acme',
      validator: 'cosign',
      signer: 'release@acme.com',
      verifiedAt: '2026-11-21T10:00:00.000Z',
    },
  },
];

async function paste(text: string, label?: string) {
  await fireEvent.input(screen.getByLabelText('Digests'), { target: { value: text } });
  if (label !== undefined)
    await fireEvent.input(screen.getByLabelText('Label (optional)'), { target: { value: label } });
  await fireEvent.click(screen.getByRole('button', { name: 'Add' }));
}

describe('AllowlistView', () => {
  it('says what to do when the allowlist is empty', async () => {
    setup(new FakeApi({ 'allowlist.list': () => [] }));
    expect(await screen.findByText('The allowlist is empty')).toBeTruthy();
  });

  it('lists entries with label, source and signature provenance', async () => {
    setup(new FakeApi({ 'allowlist.list': entries }));
    const a = (await screen.findByTitle(DIGEST_A)).closest('tr')!;
    expect(within(a).getByText('team/api 1.4')).toBeTruthy();
    expect(within(a).getByText('Added by hand')).toBeTruthy();
    const b = screen.getByTitle(DIGEST_B).closest('tr')!;
    expect(within(b).getByText('Verified signature')).toBeTruthy();
    expect(within(b).getByText('release@acme.com')).toBeTruthy();
    expect(within(b).getByText(/policy acme/)).toBeTruthy();
  });

  it('refuses bad input at the Digests field and calls nothing', async () => {
    const api = new FakeApi({ 'allowlist.list': () => [] });
    setup(api);
    await screen.findByText('The allowlist is empty');
    await paste(`${DIGEST_A}\nsha256:nothex # oops\n`);
    const field = screen.getByLabelText('Digests');
    expect(field.getAttribute('aria-invalid')).toBe('true');
    const error = document.getElementById('allowlist-digests-error')!;
    expect(error.getAttribute('role')).toBe('alert');
    expect(error.textContent).toContain('line 2');
    expect(field.getAttribute('aria-describedby')).toContain('allowlist-digests-error');
    expect(api.calls.map((c) => c.channel)).toEqual(['allowlist.list']);
    // The text is kept so it can be fixed.
    expect((field as HTMLTextAreaElement).value).toContain('nothex');
  });

  it('refuses empty input', async () => {
    const api = new FakeApi({ 'allowlist.list': () => [] });
    setup(api);
    await screen.findByText('The allowlist is empty');
    await paste('# only a comment\n');
    expect(screen.getByRole('alert').textContent).toContain('paste at least one digest');
    expect(api.callsTo('allowlist.add')).toEqual([]);
  });

  it('adds pasted digests with one label in one call', async () => {
    const api = new FakeApi({
      'allowlist.list': () => [],
      'allowlist.add': ({ entries: added }) => ({ added, alreadyPresent: [] }),
    });
    setup(api);
    await screen.findByText('The allowlist is empty');
    await paste(`# approved\n${DIGEST_A}\n  ${DIGEST_B}  \n`, 'release 7');
    await waitFor(() =>
      expect(api.callsTo('allowlist.add')).toEqual([
        { entries: [DIGEST_A, DIGEST_B], label: 'release 7' },
      ]),
    );
    expect(await screen.findByText('Added 2 digests.')).toBeTruthy();
    expect((screen.getByLabelText('Digests') as HTMLTextAreaElement).value).toBe('');
  });

  it('sends lines with their own labels as Kura text, all or nothing', async () => {
    const api = new FakeApi({
      'allowlist.list': () => [],
      'allowlist.import': () => ({ added: [DIGEST_A, DIGEST_B], alreadyPresent: [DIGEST_C] }),
    });
    setup(api);
    await screen.findByText('The allowlist is empty');
    await paste(`${DIGEST_A} # api\n${DIGEST_B} # worker\n${DIGEST_C}`, 'misc');
    await waitFor(() =>
      expect(api.callsTo('allowlist.import')).toEqual([
        { text: `${DIGEST_A} # api\n${DIGEST_B} # worker\n${DIGEST_C} # misc` },
      ]),
    );
    expect(await screen.findByText(/Added 2 digests; 1 was already on the allowlist/)).toBeTruthy();
    expect(api.callsTo('allowlist.add')).toEqual([]);
  });

  it("shows the engine's problems at the field and keeps the input", async () => {
    const api = new FakeApi({
      'allowlist.list': () => [],
      'allowlist.add': () => {
        throw {
          code: 'invalid-request',
          message: 'invalid allowlist.add request',
          problems: ['label: a label is at most 200 characters', `"${DIGEST_A}" is refused`],
        };
      },
    });
    setup(api);
    await screen.findByText('The allowlist is empty');
    await paste(DIGEST_A, 'x');
    const digestsError = await screen.findByText(`"${DIGEST_A}" is refused`);
    expect(digestsError.closest('#allowlist-digests-error')).toBeTruthy();
    expect(document.getElementById('allowlist-label-error')?.textContent).toContain(
      'a label is at most 200 characters',
    );
    expect(screen.getByLabelText('Label (optional)').getAttribute('aria-invalid')).toBe('true');
    expect((screen.getByLabelText('Digests') as HTMLTextAreaElement).value).toBe(DIGEST_A);
  });

  it('removes an entry after confirmation', async () => {
    const api = new FakeApi({
      'allowlist.list': entries,
      'allowlist.remove': ({ entries: removed }) => ({ removed, notPresent: [] }),
    });
    setup(api);
    await fireEvent.click(
      await screen.findByRole('button', { name: `Remove team/api 1.4 (${DIGEST_A})` }),
    );
    expect(api.callsTo('allowlist.remove')).toEqual([]);
    await fireEvent.click(screen.getByRole('button', { name: 'Remove' }));
    await waitFor(() => expect(api.callsTo('allowlist.remove')).toEqual([{ entries: [DIGEST_A] }]));
  });

  it('refetches when the settings change', async () => {
    let list = entries().slice(0, 1);
    const api = new FakeApi({ 'allowlist.list': () => list });
    setup(api);
    await screen.findByTitle(DIGEST_A);
    list = entries();
    api.emit('settings', {});
    expect(await screen.findByTitle(DIGEST_B)).toBeTruthy();
  });
});

describe('AllowlistView at #/allowlist/<digest> (approving a refused image)', () => {
  function at(api: FakeApi, digest: string) {
    store = new AllowlistStore(api, { debounceMs: 10 }).start();
    return render(AllowlistView, { store, digest });
  }
  const digestsField = () => screen.getByLabelText('Digests') as HTMLTextAreaElement;

  it('fills the digest in, says why, and Add allowlists it', async () => {
    const api = new FakeApi({
      'allowlist.list': () => [],
      'allowlist.add': ({ entries: added }) => ({ added, alreadyPresent: [] }),
    });
    at(api, DIGEST_C);
    await screen.findByText('The allowlist is empty');
    expect(digestsField().value).toBe(DIGEST_C);
    expect(screen.getByText(/Approving an image that was refused/)).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    await waitFor(() => expect(api.callsTo('allowlist.add')).toEqual([{ entries: [DIGEST_C] }]));
  });

  it('says so when the digest is already allowed', async () => {
    at(new FakeApi({ 'allowlist.list': entries }), DIGEST_A);
    expect(await screen.findByText(/is already on the allowlist/)).toBeTruthy();
  });

  it('fills in nothing that is not a digest', async () => {
    at(new FakeApi({ 'allowlist.list': () => [] }), 'sha256:nope');
    await screen.findByText('The allowlist is empty');
    expect(digestsField().value).toBe('');
    expect(screen.queryByText(/Approving an image that was refused/)).toBeNull();
  });
});
