import { describe, expect, it } from 'vitest';
import {
  invokeChannelOf,
  IPC_API_CHANNELS,
  IPC_EVENT_NAMES,
  isIpcApiChannel,
  isIpcEventName,
} from '../../../../../electron/main/ipc/ipc-contract.js';
import { apiChannels } from '../../../../../shared/api/channels.js';

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
