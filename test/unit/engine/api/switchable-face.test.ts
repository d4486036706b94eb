import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { ApiEventMessage } from '../../../../electron/engine/api/api-events.js';
import { handlersVia } from '../../../../electron/engine/api/api-handlers.js';
import type { EngineFace } from '../../../../electron/engine/api/engine-face.js';
import { SwitchableFace } from '../../../../electron/engine/api/switchable-face.js';
import { status } from '../../electron/main/support.js';

/** A face that answers every call with its own name and records what happened to it. */
function fakeFace(name: string, kind: EngineFace['kind']) {
  const events = new EventEmitter<{ message: [ApiEventMessage] }>();
  const record = { closed: false, listeners: () => events.listenerCount('message') };
  const face: EngineFace = {
    kind,
    handlers: handlersVia(async (channel) => `${name}:${channel}`),
    status: () => ({ ...status(), configDir: name }),
    subscribe: (listener) => {
      events.on('message', listener);
      return () => events.off('message', listener);
    },
    close: async () => {
      record.closed = true;
    },
  };
  return { face, events, record };
}

describe("SwitchableFace: the desktop app's engine, handed over to a daemon", () => {
  it('routes calls, status and events to the current engine', async () => {
    const local = fakeFace('local', 'local');
    const face = new SwitchableFace(local.face);
    const got: ApiEventMessage[] = [];
    face.subscribe((m) => got.push(m));
    expect(face.kind).toBe('local');
    expect(face.status().configDir).toBe('local');
    expect(await face.handlers['status.get']({})).toBe('local:status.get');
    local.events.emit('message', { event: 'containers', data: {} });
    expect(got).toEqual([{ event: 'containers', data: {} }]);
  });

  it('closes the old engine first, refuses calls until the next is up, then tells listeners to refetch', async () => {
    const local = fakeFace('local', 'local');
    const daemon = fakeFace('daemon', 'attached');
    const face = new SwitchableFace(local.face);
    const got: ApiEventMessage[] = [];
    face.subscribe((m) => got.push(m));
    let letOpen: () => void = () => undefined;
    const switched = face.switchTo(async () => {
      expect(local.record.closed).toBe(true); // the folder is released before the daemon is sought
      await new Promise<void>((resolve) => (letOpen = resolve));
      return daemon.face;
    });
    await new Promise((resolve) => setImmediate(resolve));
    await expect(face.handlers['allowlist.add']({ entries: ['x'] })).rejects.toMatchObject({
      name: 'ApiError',
      message: expect.stringContaining('handing its engine over to the daemon'),
    });
    local.events.emit('message', { event: 'containers', data: {} }); // the old one is not heard
    letOpen();
    await switched;
    expect(local.record.listeners()).toBe(0);
    expect(face.kind).toBe('attached');
    expect(await face.handlers['status.get']({})).toBe('daemon:status.get');
    expect(got.map((m) => m.event)).toEqual(['settings', 'containers', 'approvals', 'connection']);
    daemon.events.emit('message', { event: 'approvals', data: {} });
    expect(got).toHaveLength(5);
    await face.close();
    expect(daemon.record.closed).toBe(true);
  });
});
