import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuthzSetupError,
  authzStatus,
  installAuthz,
  probeInUse,
  readDaemonConfig,
  uninstallAuthz,
  withoutPlugin,
  withPlugin,
} from '../../../../electron/engine/authz/authz-install.js';
import {
  startAuthzServer,
  type AuthzServer,
} from '../../../../electron/engine/authz/authz-server.js';

let dir: string;
let server: AuthzServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const options = () => ({
  name: 'gatehouse',
  socketPath: join(dir, 'authz.sock'),
  pluginsDir: join(dir, 'plugins'),
  daemonConfig: join(dir, 'daemon.json'),
  dockerdPid: 2 ** 22 + 1, // no such process: signalling it fails
});

describe('daemon configuration edits', () => {
  it('adds the plugin once, keeping every other setting and plugin', () => {
    expect(withPlugin({ debug: true }, 'gatehouse')).toEqual({
      debug: true,
      'authorization-plugins': ['gatehouse'],
    });
    expect(withPlugin({ 'authorization-plugins': ['other'] }, 'gatehouse')).toEqual({
      'authorization-plugins': ['other', 'gatehouse'],
    });
    expect(withPlugin({ 'authorization-plugins': ['gatehouse'] }, 'gatehouse')).toBeUndefined();
  });

  it('removes only the plugin, and the key once it is empty', () => {
    expect(
      withoutPlugin({ debug: true, 'authorization-plugins': ['gatehouse'] }, 'gatehouse'),
    ).toEqual({
      debug: true,
    });
    expect(withoutPlugin({ 'authorization-plugins': ['other', 'gatehouse'] }, 'gatehouse')).toEqual(
      {
        'authorization-plugins': ['other'],
      },
    );
    expect(withoutPlugin({ debug: true }, 'gatehouse')).toBeUndefined();
  });

  it('refuses a configuration file it cannot read, naming it', () => {
    dir = mkdtempSync(join(tmpdir(), 'gh-azu-'));
    const file = join(dir, 'daemon.json');
    writeFileSync(file, '{ not json');
    expect(() => readDaemonConfig(file)).toThrow(/daemon\.json is not valid JSON/);
    writeFileSync(file, JSON.stringify({ 'authorization-plugins': 'gatehouse' }));
    expect(() => readDaemonConfig(file)).toThrow(AuthzSetupError);
    writeFileSync(file, '[]');
    expect(() => readDaemonConfig(file)).toThrow(/nothing was changed/);
    expect(readDaemonConfig(join(dir, 'absent.json'))).toBeUndefined();
  });
});

describe('install, uninstall, status', () => {
  it('install refuses while the plugin does not answer and changes nothing', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gh-azu-'));
    await expect(installAuthz(options())).rejects.toThrow(/does not answer.*Nothing was changed/s);
    expect(existsSync(join(dir, 'plugins', 'gatehouse.spec'))).toBe(false);
    expect(existsSync(join(dir, 'daemon.json'))).toBe(false);
  });

  it('install refuses a Docker that cannot load the plugin, naming why, and changes nothing', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gh-azu-'));
    await expect(installAuthz({ ...options(), dockerHost: 'ssh://dev@build-box' })).rejects.toThrow(
      /Docker runs on build-box: its dockerd can only ask an authorization plugin running on that host/,
    );
    expect(existsSync(join(dir, 'plugins', 'gatehouse.spec'))).toBe(false);
    expect(existsSync(join(dir, 'daemon.json'))).toBe(false);
  });

  it('uninstall with nothing installed changes nothing and signals nobody', () => {
    dir = mkdtempSync(join(tmpdir(), 'gh-azu-'));
    expect(uninstallAuthz(options())).toEqual([
      `${join(dir, 'daemon.json')} does not list "gatehouse": unchanged`,
      `${join(dir, 'plugins', 'gatehouse.spec')} does not exist: unchanged`,
    ]);
  });

  it('status reports the spec, the configuration and whether the plugin answers', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gh-azu-'));
    const o = options();
    expect(await authzStatus(o)).toMatchObject({ configured: false, answers: false });
    server = await startAuthzServer({
      socketPath: o.socketPath,
      decider: {
        decide: async () => ({ allowed: true, message: '' }),
      },
    });
    writeFileSync(o.daemonConfig, JSON.stringify({ 'authorization-plugins': ['gatehouse'] }));
    expect(await authzStatus(o)).toMatchObject({ configured: true, answers: true });
  });

  it('probeInUse tells whether the plugin saw the ping dockerd would forward', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gh-azu-'));
    const socketPath = join(dir, 'authz.sock');
    server = await startAuthzServer({
      socketPath,
      decider: {
        decide: async () => ({ allowed: true, message: '' }),
      },
    });
    // A dockerd that uses the plugin forwards the ping as an AuthZReq; one that does not, not.
    const forward = async (query: Record<string, string>) => {
      const { request } = await import('node:http');
      await new Promise<void>((resolve, reject) => {
        const req = request(
          { socketPath, path: '/AuthZPlugin.AuthZReq', method: 'POST' },
          (res) => {
            res.resume();
            res.on('end', () => resolve());
          },
        );
        req.on('error', reject);
        req.end(
          JSON.stringify({
            RequestMethod: 'GET',
            RequestUri: `/_ping?${new URLSearchParams(query).toString()}`,
          }),
        );
      });
    };
    expect(await probeInUse(socketPath, forward)).toBe(true);
    expect(await probeInUse(socketPath, async () => undefined)).toBe(false);
  });
});
