import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerConfigCredentials } from '../../../../electron/engine/registry/docker-credentials.js';

// A stand-in for docker-credential-osxkeychain & co., found on the PATH it runs with.
const HELPER = `#!/bin/sh
[ "$1" = get ] || exit 2
read -r server
printf '%s\\n' "$server" >> "$GH_HELPER_LOG"
case "$server" in
  https://index.docker.io/v1/) echo '{"ServerURL":"https://index.docker.io/v1/","Username":"hub","Secret":"hub-pass"}' ;;
  reg.example:5000) echo '{"ServerURL":"reg.example:5000","Username":"ci","Secret":"ci-pass"}' ;;
  tokens.example) echo '{"ServerURL":"tokens.example","Username":"<token>","Secret":"id-tok"}' ;;
  broken.example) echo 'secret-looking output'; exit 3 ;;
  garbage.example) echo 'not json' ;;
  slow.example) exec sleep 5 ;;
  *) echo 'credentials not found in native keychain'; exit 1 ;;
esac
`;

let dir: string;
let log: string;
let configs = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-creds-'));
  log = join(dir, 'helper.log');
  await mkdir(join(dir, 'bin'));
  await writeFile(join(dir, 'bin', 'docker-credential-test'), HELPER);
  await chmod(join(dir, 'bin', 'docker-credential-test'), 0o755);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function source(config: unknown) {
  const configDir = join(dir, `config-${++configs}`);
  await mkdir(configDir);
  await writeFile(
    join(configDir, 'config.json'),
    typeof config === 'string' ? config : JSON.stringify(config),
  );
  return dockerConfigCredentials({
    configDir,
    env: { ...process.env, PATH: `${join(dir, 'bin')}:${process.env['PATH']}`, GH_HELPER_LOG: log },
    helperTimeoutMs: 500,
  });
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('dockerConfigCredentials from auths', () => {
  it('reads auth, username/password and identitytoken entries, matching keys by host', async () => {
    const credentials = await source({
      auths: {
        'https://index.docker.io/v1/': { auth: b64('hub:pa:ss') },
        'https://reg.example:5000/v2/': { username: 'ci', password: 'ci-pass' },
        'tokens.example': { identitytoken: 'id-tok', auth: b64('x:y') },
        'empty.example': {},
      },
    });
    await expect(credentials('docker.io')).resolves.toEqual({
      kind: 'basic',
      username: 'hub',
      password: 'pa:ss',
    });
    await expect(credentials('reg.example:5000')).resolves.toEqual({
      kind: 'basic',
      username: 'ci',
      password: 'ci-pass',
    });
    await expect(credentials('tokens.example')).resolves.toEqual({
      kind: 'identity-token',
      identityToken: 'id-tok',
    });
    await expect(credentials('reg.example')).resolves.toBeUndefined();
    await expect(credentials('empty.example')).resolves.toBeUndefined();
  });

  it('means anonymous access without a config file', async () => {
    const credentials = dockerConfigCredentials({ configDir: join(dir, 'nowhere') });
    await expect(credentials('docker.io')).resolves.toBeUndefined();
  });

  it('says which file is broken without quoting it', async () => {
    const broken = await source('{"auths":{"x":{"auth":"c2VjcmV0LXZhbHVl"}');
    const error = await rejection(broken('x'));
    expect(error.message).toMatch(/config-\d+\/config\.json is not valid JSON$/);
    expect(error.message).not.toContain('c2VjcmV0');
    await expect((await source({ auths: [] }))('x')).rejects.toThrow(
      'is not a Docker config: auths',
    );
    await expect((await source({ auths: { x: { auth: b64('nocolon') } } }))('x')).rejects.toThrow(
      'is not base64 of user:password',
    );
  });
});

describe('dockerConfigCredentials from credential helpers', () => {
  it('asks the helper of credHelpers, else of credsStore, with the server URL on stdin', async () => {
    await rm(log, { force: true });
    const credentials = await source({
      credsStore: 'test',
      credHelpers: { 'tokens.example': 'test', 'other.example': 'absent' },
      auths: { 'reg.example:5000': { auth: b64('from:file') } },
    });
    await expect(credentials('docker.io')).resolves.toEqual({
      kind: 'basic',
      username: 'hub',
      password: 'hub-pass',
    });
    await expect(credentials('reg.example:5000')).resolves.toEqual({
      kind: 'basic',
      username: 'ci',
      password: 'ci-pass',
    });
    await expect(credentials('tokens.example')).resolves.toEqual({
      kind: 'identity-token',
      identityToken: 'id-tok',
    });
    await expect(credentials('unknown.example')).resolves.toBeUndefined();
    expect((await readFile(log, 'utf8')).split('\n')).toEqual([
      'https://index.docker.io/v1/',
      'reg.example:5000',
      'tokens.example',
      'unknown.example',
      '',
    ]);
    await expect(credentials('other.example')).rejects.toThrow(
      'docker-credential-absent is not on the PATH',
    );
  });

  it('reports a failing, garbled or hung helper without its output', async () => {
    const credentials = await source({ credsStore: 'test' });
    const failed = await rejection(credentials('broken.example'));
    expect(failed.message).toBe('docker-credential-test get failed (exit code 3)');
    await expect(credentials('garbage.example')).rejects.toThrow(
      'printed something other than credentials',
    );
    await expect(credentials('slow.example')).rejects.toThrow(
      'docker-credential-test did not answer within 500 ms',
    );
  });

  it('refuses a helper name that is not a plain name', async () => {
    const credentials = await source({ credsStore: '../../bin/sh' });
    await expect(credentials('x')).rejects.toThrow(
      'names an invalid credential helper "../../bin/sh"',
    );
  });
});
