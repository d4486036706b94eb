import { describe, expect, it, vi } from 'vitest';
import { planAllowlistInput } from '../../../renderer/src/lib/allowlist-input.js';
import { shortDigest } from '../../../renderer/src/lib/format.js';
import { problemsByField } from '../../../renderer/src/lib/problems.js';
import { Coalescer } from '../../../renderer/src/stores/coalescer.js';
import { ContainersStore } from '../../../renderer/src/stores/containers.svelte.js';
import { parseRoute } from '../../../renderer/src/stores/router.svelte.js';
import { container, DIGEST_A, DIGEST_B, FakeApi } from './fake-api.js';

describe('Coalescer', () => {
  it('runs a burst once, after the first request, and never two at a time', async () => {
    vi.useFakeTimers();
    try {
      let running = 0;
      let maxRunning = 0;
      const task = vi.fn(async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 50));
        running--;
      });
      const coalescer = new Coalescer(task, 150);
      for (let i = 0; i < 20; i++) coalescer.schedule();
      await vi.advanceTimersByTimeAsync(149);
      expect(task).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(1);
      expect(task).toHaveBeenCalledOnce();
      // Requests while it runs: exactly one more run, after it.
      void coalescer.now();
      void coalescer.now();
      await vi.advanceTimersByTimeAsync(200);
      expect(task).toHaveBeenCalledTimes(2);
      expect(maxRunning).toBe(1);
      coalescer.dispose();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('stores', () => {
  it('expose loading and error state, keeping the last data on a failed refetch', async () => {
    let fail = false;
    const api = new FakeApi({
      'containers.list': () => {
        if (fail) throw new Error('gone');
        return [container()];
      },
    });
    const store = new ContainersStore(api, { debounceMs: 1 });
    store.start();
    expect(store.loading).toBe(true);
    await store.refresh();
    expect(store.loading).toBe(false);
    expect(store.data).toHaveLength(1);
    fail = true;
    await store.refresh();
    expect(store.error?.message).toBe('gone');
    expect(store.data).toHaveLength(1);
    store.dispose();
  });

  it('refetch when the live stream reopens, and stop listening when disposed', async () => {
    const api = new FakeApi({ 'containers.list': () => [] });
    const store = new ContainersStore(api, { debounceMs: 1 }).start();
    await store.refresh();
    const before = api.callsTo('containers.list').length;
    api.setLive('closed');
    api.setLive('open');
    await vi.waitFor(() => expect(api.callsTo('containers.list').length).toBe(before + 1));
    store.dispose();
    api.emit('containers', {});
    await new Promise((r) => setTimeout(r, 20));
    expect(api.callsTo('containers.list').length).toBe(before + 1);
  });
});

describe('allowlist input', () => {
  it('reads Kura text: comments, labels, blank lines', () => {
    expect(planAllowlistInput(`# header\n\n${DIGEST_A}\n ${DIGEST_B} # b\n`)).toEqual({
      ok: true,
      submission: { kind: 'import', text: `# header\n\n${DIGEST_A}\n ${DIGEST_B} # b\n`, count: 2 },
    });
    expect(planAllowlistInput(`${DIGEST_A} # same\n${DIGEST_B} # same`)).toEqual({
      ok: true,
      submission: { kind: 'add', entries: [DIGEST_A, DIGEST_B], label: 'same' },
    });
  });

  it('names each bad line', () => {
    const plan = planAllowlistInput(`${DIGEST_A}\nSHA256:abc\n\nlatest`);
    expect(plan.ok).toBe(false);
    if (!plan.ok) {
      expect(plan.problems).toHaveLength(2);
      expect(plan.problems[0]).toMatch(/^line 2: /);
      expect(plan.problems[1]).toMatch(/^line 4: /);
    }
  });
});

describe('helpers', () => {
  it('sorts problems to fields', () => {
    expect(
      problemsByField(
        ['scope: bad', 'anchors.0.identity.exact: empty', 'line 3: nope', 'other'],
        ['scope', 'anchors', 'anchors.0', 'anchors.0.identity'],
        'form',
      ),
    ).toEqual({
      scope: ['bad'],
      'anchors.0.identity': ['empty'],
      form: ['line 3: nope', 'other'],
    });
  });

  it('parses routes', () => {
    expect(parseRoute('#/allowlist')).toEqual({ view: 'allowlist' });
    expect(parseRoute('#/activity/abc123')).toEqual({ view: 'activity', param: 'abc123' });
    expect(parseRoute('')).toEqual({ view: 'containers' });
    expect(parseRoute('#/nowhere')).toEqual({ view: 'containers' });
  });

  it('shortens digests', () => {
    expect(shortDigest(DIGEST_A)).toBe(`sha256:${'a'.repeat(12)}…`);
  });
});
