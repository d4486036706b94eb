import { describe, expect, it } from 'vitest';
import {
  NotificationGrouper,
  notificationsFor,
  type GatehouseNotification,
  type Timers,
} from '../../../../../electron/main/notifications/notification-grouper.js';
import { decision, id } from '../support.js';

/** Timers the test fires by hand. */
class ManualTimers implements Timers {
  pending = new Map<number, { callback: () => void; ms: number }>();
  #next = 1;
  set(callback: () => void, ms: number) {
    const handle = this.#next++;
    this.pending.set(handle, { callback, ms });
    return handle;
  }
  clear(handle: unknown) {
    this.pending.delete(handle as number);
  }
  fire() {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const t of all) t.callback();
  }
}

function grouper(enabled = { value: true }) {
  const timers = new ManualTimers();
  const shown: GatehouseNotification[] = [];
  const g = new NotificationGrouper({
    enabled: () => enabled.value,
    show: (n) => shown.push(n),
    windowMs: 2_000,
    timers,
  });
  return { g, timers, shown, enabled };
}

describe('notificationsFor', () => {
  it('names a single stopped container and links to its activity', () => {
    expect(
      notificationsFor([decision({ containerId: id('a'), containerName: 'api' })], true),
    ).toEqual([
      {
        title: 'Stopped api',
        body: 'ghcr.io/acme/web:1.4 is not allowed: the container was stopped and removed.',
        route: `/activity/${id('a')}`,
      },
    ]);
    expect(
      notificationsFor([decision({ containerName: 'api', decision: 'quarantined' })], true)[0]
        ?.body,
    ).toMatch(/stopped and kept until it is approved/);
  });

  it('groups a burst into one notification that counts and names them', () => {
    const burst = ['a', 'b', 'c', 'd', 'e'].map((c, i) =>
      decision({ containerId: id(c), containerName: `svc-${i}` }),
    );
    expect(notificationsFor(burst, true)).toEqual([
      {
        title: '5 containers were stopped',
        body: 'svc-0, svc-1, svc-2 and 2 more',
        route: '/activity',
      },
    ]);
  });

  it('says "would have been stopped" in audit mode', () => {
    expect(
      notificationsFor([decision({ containerName: 'api', decision: 'audited' })], true),
    ).toEqual([
      {
        title: 'api would have been stopped',
        body: 'ghcr.io/acme/web:1.4 is not allowed. Audit mode: it keeps running.',
        route: `/activity/${id('a')}`,
      },
    ]);
    const two = [id('a'), id('b')].map((containerId) =>
      decision({ containerId, decision: 'audited', containerName: containerId.slice(0, 2) }),
    );
    expect(notificationsFor(two, true)[0]?.title).toBe('2 containers would have been stopped');
  });

  it('does not re-announce audited containers a sweep found already running', () => {
    expect(
      notificationsFor([decision({ decision: 'audited', trigger: 'sweep:connected' })], true),
    ).toEqual([]);
  });

  it('reports a stop that failed on its own', () => {
    expect(
      notificationsFor([decision({ containerName: 'api', actionError: 'Docker refused' })], true),
    ).toEqual([
      { title: 'Could not stop api', body: 'Docker refused', route: `/activity/${id('a')}` },
    ]);
  });

  it('gives one notification per kind in a mixed burst, and none for allowed containers', () => {
    const burst = [
      decision({ containerId: id('a') }),
      decision({ containerId: id('b'), decision: 'allowed' }),
      decision({ containerId: id('c'), decision: 'audited' }),
      decision({ containerId: id('d') }),
    ];
    expect(notificationsFor(burst, true).map((n) => n.title)).toEqual([
      '2 containers were stopped',
      'web-cccc would have been stopped',
    ]);
  });

  it('counts a container decided twice in one burst once', () => {
    const twice = [decision({ trigger: 'create' }), decision({ trigger: 'start' })];
    expect(notificationsFor(twice, true).map((n) => n.title)).toEqual(['Stopped web-aaaa']);
  });

  it('gives nothing when notifications are turned off', () => {
    expect(notificationsFor([decision()], false)).toEqual([]);
  });
});

describe('NotificationGrouper', () => {
  it('shows a burst once its window, opened by the first decision, closes', () => {
    const { g, timers, shown } = grouper();
    g.push(decision({ containerId: id('a') }));
    expect(timers.pending.size).toBe(1);
    expect([...timers.pending.values()][0]?.ms).toBe(2_000);
    g.push(decision({ containerId: id('b') }));
    g.push(decision({ containerId: id('c') }));
    expect(timers.pending.size).toBe(1);
    expect(shown).toEqual([]);
    timers.fire();
    expect(shown.map((n) => n.title)).toEqual(['3 containers were stopped']);
    g.push(decision({ containerId: id('d'), containerName: 'late' }));
    timers.fire();
    expect(shown.map((n) => n.title)).toEqual(['3 containers were stopped', 'Stopped late']);
  });

  it('opens no window for decisions that are not news', () => {
    const { g, timers } = grouper();
    g.push(decision({ decision: 'allowed' }));
    g.push(decision({ decision: 'audited', trigger: 'sweep:policy-changed' }));
    expect(timers.pending.size).toBe(0);
  });

  it('respects the setting, read at each decision and when the burst is shown', () => {
    const { g, timers, shown, enabled } = grouper({ value: false });
    g.push(decision());
    expect(timers.pending.size).toBe(0);
    enabled.value = true;
    g.push(decision());
    enabled.value = false;
    timers.fire();
    expect(shown).toEqual([]);
  });

  it('drops a pending burst when disposed', () => {
    const { g, timers, shown } = grouper();
    g.push(decision());
    g.dispose();
    expect(timers.pending.size).toBe(0);
    g.flush();
    expect(shown).toEqual([]);
  });
});

describe('notifications for refusals by the authorization plugin (prevented)', () => {
  const DIGEST = `sha256:${'c'.repeat(64)}`;
  const IMAGE_ID = `sha256:${'1'.repeat(64)}`;
  const create = (overrides: Parameters<typeof decision>[0] = {}) =>
    decision({
      containerId: '',
      containerName: '',
      decision: 'prevented',
      trigger: 'authz:create',
      ...overrides,
    });

  it('a refused create is news, linked to its approval (the allowlist with its digest)', () => {
    expect(notificationsFor([create({ digests: [DIGEST] })], true)).toEqual([
      {
        title: 'Prevented a container of ghcr.io/acme/web:1.4',
        body: 'ghcr.io/acme/web:1.4 is not allowed: Docker refused to create it before anything ran. Click to approve the image.',
        route: `/allowlist/${encodeURIComponent(DIGEST)}`,
      },
    ]);
    // A local image has no registry digest: its image ID is what gets approved.
    expect(notificationsFor([create({ containerName: 'web' })], true)[0]).toMatchObject({
      title: 'Prevented container web',
      route: `/allowlist/${encodeURIComponent(IMAGE_ID)}`,
    });
  });

  it('a refused start names the container and the action', () => {
    expect(
      notificationsFor(
        [create({ containerId: id('a'), containerName: 'api', trigger: 'authz:start' })],
        true,
      )[0],
    ).toMatchObject({
      title: 'Prevented start of api',
      body: expect.stringContaining('Docker refused to start the container'),
    });
  });

  it('counts refused creates once per name and image (they have no container ID)', () => {
    const again = notificationsFor([create(), create(), create()], true);
    expect(again.map((n) => n.title)).toEqual(['Prevented a container of ghcr.io/acme/web:1.4']);
    const several = notificationsFor(
      [create({ containerName: 'a' }), create({ containerName: 'b' }), create({ imageId: DIGEST })],
      true,
    );
    expect(several).toEqual([
      {
        title: 'Prevented 3 containers',
        body: 'a, b, a container of ghcr.io/acme/web:1.4',
        route: '/activity',
      },
    ]);
  });

  it('comes first in a mixed burst, and the grouper opens a window for it', () => {
    expect(
      notificationsFor([decision({ containerId: id('b') }), create()], true).map((n) => n.title),
    ).toEqual(['Prevented a container of ghcr.io/acme/web:1.4', 'Stopped web-bbbb']);
    const { g, timers, shown } = grouper();
    g.push(create());
    expect(timers.pending.size).toBe(1);
    timers.fire();
    expect(shown).toHaveLength(1);
  });
});

describe('hostile names and images', () => {
  it('reach the desktop with control characters escaped, one or many', () => {
    const one = decision({
      containerName: 'evil\rStopped nothing',
      imageRef: 'img\x1b]0;PWNED\x07',
    });
    const [single] = notificationsFor([one], true);
    expect(single).toMatchObject({
      title: 'Stopped evil\\rStopped nothing',
      body: 'img\\x1b]0;PWNED\\x07 is not allowed: the container was stopped and removed.',
    });
    const two = decision({ containerId: id('b'), containerName: 'b\u2028c' });
    const [many] = notificationsFor([one, two], true);
    expect(many?.body).toBe('evil\\rStopped nothing, b\\u2028c');
  });
});
