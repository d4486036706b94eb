import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  forwardEngineEvents,
  parseApiEventMessage,
} from '../../../../electron/engine/api/api-events.js';
import type { EngineEvents } from '../../../../electron/engine/engine.js';
import { decision } from '../../electron/main/support.js';

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

describe('parseApiEventMessage', () => {
  it('accepts the events a face can receive, checked field by field', () => {
    const record = decision();
    expect(parseApiEventMessage(JSON.stringify({ event: 'decision', data: record }))).toEqual({
      event: 'decision',
      data: record,
    });
    expect(parseApiEventMessage('{"event":"approvals","data":{}}')).toEqual({
      event: 'approvals',
      data: {},
    });
  });

  it('skips anything else: unknown events, bad records, extra data, not JSON', () => {
    expect(parseApiEventMessage('{"event":"shell","data":{}}')).toBeUndefined();
    expect(
      parseApiEventMessage(
        JSON.stringify({ event: 'decision', data: { ...decision(), time: 'now' } }),
      ),
    ).toBeUndefined();
    expect(parseApiEventMessage('{"event":"settings","data":{"allowlist":[]}}')).toBeUndefined();
    expect(parseApiEventMessage('{"event":"settings"')).toBeUndefined();
    expect(parseApiEventMessage('')).toBeUndefined();
  });
});
