import { describe, expect, it } from 'vitest';
import { authzStatusExit, EXIT_AUTHZ } from '../../../../electron/cli/commands/authz.js';

describe('authz status exit codes', () => {
  const installed = { configured: true, answers: true };
  const specOnly = { configured: false, specSocket: '/run/x.sock', answers: true };
  const absent = { configured: false, answers: true };

  it('0 when the plugin answers and dockerd uses it, however it was set up', () => {
    expect(authzStatusExit(installed, true)).toBe(0);
    expect(authzStatusExit(specOnly, true)).toBe(0);
    expect(authzStatusExit(absent, true)).toBe(0);
  });

  it('5 when installed (configured or a spec file) and nothing answers: Docker hangs', () => {
    expect(authzStatusExit({ ...installed, answers: false }, undefined)).toBe(EXIT_AUTHZ.down);
    expect(authzStatusExit({ ...specOnly, answers: false }, undefined)).toBe(EXIT_AUTHZ.down);
    expect(EXIT_AUTHZ.down).toBe(5);
  });

  it('5 when only the watchdog answers for a daemon that is down, even though dockerd asks it', () => {
    const standIn = { ...installed, standIn: "Gatehouse's daemon cannot start" };
    expect(authzStatusExit(standIn, true)).toBe(EXIT_AUTHZ.down);
    expect(authzStatusExit({ ...standIn, configured: false }, true)).toBe(0);
  });

  it('6 when installed and answering but dockerd does not use it', () => {
    expect(authzStatusExit(installed, false)).toBe(EXIT_AUTHZ.unused);
    expect(authzStatusExit(specOnly, false)).toBe(EXIT_AUTHZ.unused);
    expect(EXIT_AUTHZ.unused).toBe(6);
  });

  it('0 when not installed at all, whether or not a daemon serves the socket', () => {
    expect(authzStatusExit(absent, false)).toBe(0);
    expect(authzStatusExit({ ...absent, answers: false }, undefined)).toBe(0);
  });

  it('1 when the plugin answers but dockerd could not be asked', () => {
    expect(authzStatusExit(installed, undefined)).toBe(1);
  });
});
