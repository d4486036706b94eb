import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { EngineEvents } from '../../../../../electron/engine/engine.js';
import { forwardEngineEvents } from '../../../../../electron/main/ipc/event-forwarder.js';
import {
  invokeChannelOf,
  IPC_API_CHANNELS,
  IPC_EVENT_NAMES,
  isIpcApiChannel,
  isIpcEventName,
} from '../../../../../electron/main/ipc/ipc-contract.js';
import { apiChannels } from '../../../../../shared/api/channels.js';
import { decision } from '../support.js';

describe('the IPC contract', () => {
  it("lists exactly the shared channel map's channels", () => {
    expect([...IPC_API_CHANNELS].sort()).toEqual([...apiChannels].sort());
  });

  it('names the five pushed events', () => {
    expect([...IPC_EVENT_NAMES].sort()).toEqual([
      'approvals',
      'connection',
      'containers',
      'decision',
      'settings',
    ]);
  });

  it('recognises only its own names, not inherited properties', () => {
    expect(isIpcApiChannel('mode.set')).toBe(true);
    expect(isIpcApiChannel('toString')).toBe(false);
    expect(isIpcApiChannel('__proto__')).toBe(false);
    expect(isIpcApiChannel(42)).toBe(false);
    expect(isIpcEventName('decision')).toBe(true);
    expect(isIpcEventName('constructor')).toBe(false);
  });

  it('gives every API channel its own namespaced IPC channel', () => {
    expect(invokeChannelOf('status.get')).toBe('gatehouse:api:status.get');
  });
});

describe('forwardEngineEvents', () => {
  it("sends the engine's events as the faces' events, and stops when asked", () => {
    const engine = new EventEmitter<EngineEvents>();
    const sent: [string, unknown][] = [];
    const stop = forwardEngineEvents(engine, (event, data) => sent.push([event, data]));
    const record = decision();
    const connection = {
      state: 'disconnected' as const,
      dockerHost: 'unix:///var/run/docker.sock',
      since: '2026-11-23T12:00:00.000Z',
      error: 'ECONNREFUSED',
    };
    engine.emit('decision', record, {});
    engine.emit('connection', connection);
    engine.emit('settings', {} as never);
    engine.emit('swept', { trigger: 'sweep:connected', containers: 3, durationMs: 12 });
    engine.emit('ready');
    engine.emit('approvals', []);
    expect(sent).toEqual([
      ['decision', record],
      ['containers', {}],
      ['connection', connection],
      ['settings', {}],
      ['containers', {}],
      ['approvals', {}],
    ]);
    stop();
    engine.emit('decision', record, {});
    engine.emit('approvals', []);
    expect(sent).toHaveLength(6);
    expect(engine.listenerCount('decision')).toBe(0);
    expect(engine.listenerCount('approvals')).toBe(0);
  });
});
