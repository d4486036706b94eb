import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { TrustPolicy } from '../../../renderer/src/api/types.js';
import { TrustStore } from '../../../renderer/src/stores/trust.svelte.js';
import TrustView from '../../../renderer/src/views/TrustView.svelte';
import { DIGEST_A, FakeApi } from './fake-api.js';

const PEM = '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----';

const policy = (overrides: Partial<TrustPolicy> = {}): TrustPolicy => ({
  name: 'acme',
  scope: 'ghcr.io/acme/**',
  threshold: 1,
  anchors: [
    {
      kind: 'cosign-keyless',
      identity: { exact: 'release@acme.com' },
      issuer: 'https://accounts.google.com',
    },
  ],
  addedAt: '2026-11-20T10:00:00.000Z',
  ...overrides,
});

let store: TrustStore | undefined;
afterEach(() => store?.dispose());

function setup(api: FakeApi) {
  store = new TrustStore(api, { debounceMs: 10 }).start();
  return render(TrustView, { store });
}

describe('TrustView', () => {
  it('says what to do when there are no policies', async () => {
    setup(new FakeApi({ 'trust.list': () => [] }));
    expect(await screen.findByText('No trust policies')).toBeTruthy();
  });

  it('lists policies with scope, threshold and anchors', async () => {
    setup(new FakeApi({ 'trust.list': () => [policy()] }));
    const row = (await screen.findByText('ghcr.io/acme/**')).closest('tr')!;
    expect(within(row).getByText('acme')).toBeTruthy();
    expect(within(row).getByText('1 of 1')).toBeTruthy();
    expect(
      within(row).getByText('Cosign keyless: release@acme.com via https://accounts.google.com'),
    ).toBeTruthy();
  });

  it('adds a cosign key policy', async () => {
    const api = new FakeApi({
      'trust.list': () => [],
      'trust.add': (request) => policy({ name: 'acme', scope: request.scope }),
    });
    setup(api);
    await screen.findByText('No trust policies');
    await fireEvent.input(screen.getByLabelText('Scope'), { target: { value: 'ghcr.io/acme/**' } });
    await fireEvent.input(screen.getByLabelText('Public key (PEM)'), { target: { value: PEM } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add policy' }));
    await waitFor(() =>
      expect(api.callsTo('trust.add')).toEqual([
        { scope: 'ghcr.io/acme/**', anchors: [{ kind: 'cosign-key', publicKey: PEM }] },
      ]),
    );
    expect(await screen.findByText(/Added trust policy acme/)).toBeTruthy();
  });

  it('adds a keyless policy with a regex identity, a name and a threshold of two anchors', async () => {
    const api = new FakeApi({ 'trust.list': () => [], 'trust.add': () => policy() });
    setup(api);
    await screen.findByText('No trust policies');
    await fireEvent.input(screen.getByLabelText('Scope'), { target: { value: 'ghcr.io/acme/*' } });
    await fireEvent.input(screen.getByLabelText('Name (optional)'), { target: { value: 'acme' } });
    await fireEvent.change(screen.getByLabelText('Kind'), { target: { value: 'cosign-keyless' } });
    await fireEvent.input(screen.getByLabelText('Signer identity'), {
      target: { value: '^https://github.com/acme/' },
    });
    await fireEvent.change(screen.getByLabelText('Match'), { target: { value: 'regex' } });
    await fireEvent.input(screen.getByLabelText('OIDC issuer'), {
      target: { value: 'https://token.actions.githubusercontent.com' },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Add another anchor' }));
    const kinds = screen.getAllByLabelText('Kind');
    await fireEvent.change(kinds[1]!, { target: { value: 'notary-v1' } });
    await fireEvent.input(screen.getByLabelText('Notary server'), {
      target: { value: 'https://notary.acme.com:4443' },
    });
    await fireEvent.input(screen.getByLabelText(/^Root key/), { target: { value: 'abc123' } });
    await fireEvent.input(screen.getByLabelText('Signatures needed (optional)'), {
      target: { value: '2' },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Add policy' }));
    await waitFor(() =>
      expect(api.callsTo('trust.add')).toEqual([
        {
          scope: 'ghcr.io/acme/*',
          name: 'acme',
          threshold: 2,
          anchors: [
            {
              kind: 'cosign-keyless',
              identity: { regex: '^https://github.com/acme/' },
              issuer: 'https://token.actions.githubusercontent.com',
            },
            { kind: 'notary-v1', server: 'https://notary.acme.com:4443', rootKey: 'abc123' },
          ],
        },
      ]),
    );
  });

  it('shows problems at their fields before sending anything', async () => {
    const api = new FakeApi({ 'trust.list': () => [] });
    setup(api);
    await screen.findByText('No trust policies');
    await fireEvent.input(screen.getByLabelText('Scope'), { target: { value: 'ghcr.io/acme:1' } });
    await fireEvent.input(screen.getByLabelText('Public key (PEM)'), {
      target: { value: 'not a key' },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Add policy' }));
    expect(screen.getByLabelText('Scope').getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById('trust-scope-error')?.textContent).toContain('remove the tag');
    expect(screen.getByLabelText('Public key (PEM)').getAttribute('aria-invalid')).toBe('true');
    expect(api.callsTo('trust.add')).toEqual([]);
  });

  it("shows the engine's problems at the field that caused them", async () => {
    const api = new FakeApi({
      'trust.list': () => [],
      'trust.add': () => {
        throw {
          code: 'invalid-request',
          message: 'invalid trust.add request',
          problems: [
            'anchors.0.publicKey: the key is not an ECDSA or RSA key',
            'a policy "acme" exists',
          ],
        };
      },
    });
    setup(api);
    await screen.findByText('No trust policies');
    await fireEvent.input(screen.getByLabelText('Scope'), { target: { value: 'ghcr.io/acme/**' } });
    await fireEvent.input(screen.getByLabelText('Public key (PEM)'), { target: { value: PEM } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add policy' }));
    const atField = await screen.findByText('the key is not an ECDSA or RSA key');
    expect(atField.closest('.field')?.querySelector('textarea')?.getAttribute('aria-invalid')).toBe(
      'true',
    );
    expect(screen.getByText('a policy "acme" exists')).toBeTruthy();
  });

  it('tests an image and shows each verdict', async () => {
    const api = new FakeApi({
      'trust.list': () => [policy()],
      'verify.run': ({ image }) => ({
        ok: true,
        image,
        digest: DIGEST_A,
        policy: 'acme',
        reason: 'signed by release@acme.com',
        verdicts: [
          {
            kind: 'cosign-keyless',
            ok: true,
            reason: 'valid signature',
            signer: 'release@acme.com',
          },
        ],
      }),
    });
    setup(api);
    await fireEvent.input(await screen.findByLabelText('Image reference'), {
      target: { value: 'ghcr.io/acme/api:1.4' },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Verify' }));
    const result = await screen.findByRole('status', { name: 'Verification result' });
    expect(within(result).getByText('Verified')).toBeTruthy();
    expect(within(result).getByText(DIGEST_A)).toBeTruthy();
    expect(within(result).getByText('Valid')).toBeTruthy();
    expect(
      within(result).getByText('signed by release@acme.com', { selector: 'span' }),
    ).toBeTruthy();
    expect(api.callsTo('verify.run')).toEqual([{ image: 'ghcr.io/acme/api:1.4' }]);
  });

  it('removes a policy after confirmation', async () => {
    const api = new FakeApi({
      'trust.list': () => [policy()],
      'trust.remove': ({ name }) => ({ removed: name }),
    });
    setup(api);
    await fireEvent.click(await screen.findByRole('button', { name: 'Remove policy acme' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Remove' }));
    await waitFor(() => expect(api.callsTo('trust.remove')).toEqual([{ name: 'acme' }]));
  });
});
