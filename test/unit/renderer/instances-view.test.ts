import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { InstanceView } from '../../../renderer/src/api/types.js';
import { planInstance, emptyDraft } from '../../../renderer/src/lib/instance-input.js';
import { InstancesStore } from '../../../renderer/src/stores/instances.svelte.js';
import InstancesView from '../../../renderer/src/views/InstancesView.svelte';
import { DIGEST_A, DIGEST_B, FakeApi } from './fake-api.js';

const instance = (overrides: Partial<InstanceView> = {}): InstanceView => ({
  name: 'web',
  image: 'registry.local/team/web:1',
  enabled: true,
  digest: DIGEST_A,
  trustPolicy: 'team',
  run: { env: [], volumes: [], ports: [], restart: 'unless-stopped' },
  createdAt: '2026-11-23T10:00:00.000Z',
  hasCredentials: false,
  container: { id: 'abc', state: 'running' },
  ...overrides,
});

/** An instance whose signature did not verify: no digest, no container, a problem. */
function forged(): InstanceView {
  const view: InstanceView = {
    ...instance({ name: 'forged' }),
    problem: 'not started: did not verify',
  };
  delete view.digest;
  delete view.container;
  return view;
}

let store: InstancesStore | undefined;
afterEach(() => store?.dispose());

function setup(api: FakeApi) {
  store = new InstancesStore(api, { debounceMs: 10 }).start();
  return render(InstancesView, { store });
}

describe('InstancesView', () => {
  it('says what to do when there are none', async () => {
    setup(new FakeApi({ 'instance.list': () => [] }));
    expect(await screen.findByText('No instances')).toBeTruthy();
  });

  it('lists instances with their state and why one is not running', async () => {
    setup(
      new FakeApi({
        'instance.list': () => [instance(), forged()],
      }),
    );
    const row = (await screen.findByText('forged')).closest('tr')!;
    expect(within(row).getByText('Not running: not started: did not verify')).toBeTruthy();
    const web = screen.getByText('web').closest('tr')!;
    expect(within(web).getByText('Container running')).toBeTruthy();
  });

  it('adds an instance from the form', async () => {
    const api = new FakeApi({
      'instance.list': () => [],
      'instance.add': (r) => instance({ name: r.name }),
    });
    setup(api);
    await screen.findByText('No instances');
    await fireEvent.input(screen.getByLabelText('Name'), { target: { value: 'web' } });
    await fireEvent.input(screen.getByLabelText('Image'), {
      target: { value: 'registry.local/team/web:1' },
    });
    await fireEvent.input(screen.getByLabelText('Trust policy (without a digest)'), {
      target: { value: 'team' },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Add instance' }));
    await waitFor(() =>
      expect(api.callsTo('instance.add')).toEqual([
        {
          name: 'web',
          image: 'registry.local/team/web:1',
          enabled: true,
          trustPolicy: 'team',
          run: { env: [], ports: [], volumes: [], restart: 'unless-stopped' },
        },
      ]),
    );
    expect(await screen.findByText('Added web and started it.')).toBeTruthy();
  });

  it('links a field problem to its input for screen readers', async () => {
    const api = new FakeApi({ 'instance.list': () => [] });
    setup(api);
    await screen.findByText('No instances');
    const image = screen.getByLabelText('Image');
    expect(image.getAttribute('aria-invalid')).toBeNull();
    expect(image.getAttribute('aria-describedby')).toBeNull();
    await fireEvent.input(screen.getByLabelText('Name'), { target: { value: 'web' } });
    await fireEvent.input(screen.getByLabelText('Trust policy (without a digest)'), {
      target: { value: 'team' },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Add instance' }));
    const error = await screen.findByText(/give an image reference/);
    const errorId = error.closest('[role="alert"]')!.id;
    expect(errorId).toBe('instance-image-error');
    expect(image.getAttribute('aria-invalid')).toBe('true');
    expect(image.getAttribute('aria-describedby')).toBe(errorId);
    expect(screen.getByLabelText('Name').getAttribute('aria-invalid')).toBeNull();
    expect(api.callsTo('instance.add')).toEqual([]);
  });

  it('shows which containers disabling stops (dry run) before doing it', async () => {
    const affected = [{ containerId: 'f'.repeat(64), containerName: 'by-hand', imageRef: 'x' }];
    const api = new FakeApi({
      'instance.list': () => [instance()],
      'instance.disable': (r) => ({
        instance: instance({ enabled: false }),
        affected,
        dryRun: r.dryRun ?? false,
      }),
    });
    setup(api);
    await fireEvent.click(await screen.findByRole('button', { name: 'Disable web' }));
    const list = await screen.findByRole('list', { name: 'Containers that will stop' });
    expect(within(list).getByText('by-hand')).toBeTruthy();
    expect(api.callsTo('instance.disable')).toEqual([{ name: 'web', dryRun: true }]);
    await fireEvent.click(screen.getByRole('button', { name: 'Disable' }));
    await waitFor(() =>
      expect(api.callsTo('instance.disable')).toEqual([
        { name: 'web', dryRun: true },
        { name: 'web', dryRun: false },
      ]),
    );
    expect(await screen.findByText('Disabled web. Stopped: by-hand.')).toBeTruthy();
  });

  it('checks for an update by clearing the digest', async () => {
    const api = new FakeApi({
      'instance.list': () => [instance()],
      'instance.set-digest': (r) => ({
        instance: instance({ digest: DIGEST_B }),
        affected: [],
        dryRun: r.dryRun ?? false,
      }),
    });
    setup(api);
    await fireEvent.click(await screen.findByRole('button', { name: 'Check web for an update' }));
    await fireEvent.click(await screen.findByRole('button', { name: 'Change the digest of' }));
    await waitFor(() =>
      expect(api.callsTo('instance.set-digest')).toEqual([
        { name: 'web', digest: null, dryRun: true },
        { name: 'web', digest: null, dryRun: false },
      ]),
    );
  });
});

describe('planInstance', () => {
  it('needs a digest or a trust policy, and parses ports and volumes', () => {
    const draft = { ...emptyDraft(), name: 'a', image: 'busybox:1' };
    expect(planInstance(draft)).toMatchObject({
      ok: false,
      problems: { digest: [expect.any(String)] },
    });
    const plan = planInstance({
      ...draft,
      digest: DIGEST_A,
      ports: '127.0.0.1:8080:80\n53:53/udp',
      volumes: '/data:/d:ro',
      command: 'sleep 300',
      startNow: false,
    });
    expect(plan).toEqual({
      ok: true,
      request: {
        name: 'a',
        image: 'busybox:1',
        enabled: false,
        digest: DIGEST_A,
        run: {
          command: ['sleep', '300'],
          env: [],
          ports: [
            { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' },
            { hostPort: 53, containerPort: 53, protocol: 'udp' },
          ],
          volumes: [{ source: '/data', target: '/d', readOnly: true }],
          restart: 'unless-stopped',
        },
      },
    });
    expect(planInstance({ ...draft, digest: DIGEST_A, ports: '80' })).toMatchObject({
      ok: false,
      problems: { 'run.ports': [expect.stringMatching(/^80: expected/)] },
    });
  });
});
