import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { appendFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DecisionRecord } from '../../shared/api/schemas.js';
import { DECISION_LOG_FILE } from '../../electron/engine/log/decision-log.js';
import { CLI, configDirWith, gatehouse, waitFor } from './support/engine-harness.js';

/**
 * Hostile input through the real `gatehouse` command, as a user or a script runs it: what a
 * terminal would obey never reaches one, and input that cannot be bounded is refused.
 */

/** What a terminal acts on rather than shows: ESC, BEL, CR, C1 CSI, U+2028/2029, RLO. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const RAW = /[\x1b\x07\r\u009b\u2028\u2029\u202e]/;
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const gh = (configDir: string, ...args: string[]) =>
  gatehouse(['--config-dir', configDir, ...args]);

/** The records an attacker controls: a start of /containers/%1b%5b2J%1b%5d0;PWNED%07/start, a forged line. */
function hostileRecords(): DecisionRecord[] {
  const base: DecisionRecord = {
    time: '2026-11-23T12:00:00.000Z',
    containerId: '',
    containerName: '\x1b[2J\x1b]0;PWNED\x07',
    imageRef: 'evil\u009b2J/app\u202etxt.exe',
    imageId: '',
    digests: [],
    decision: 'prevented',
    reason: 'no such container: \x1b[2J\x1b]0;PWNED\x07',
    trigger: 'authz:start',
  };
  return [
    base,
    {
      ...base,
      trigger: 'authz:create',
      containerName: 'x\r2026-11-23T12:00:00.000Z ALLOWED     web\u2028\u2029',
      reason: 'not on the allowlist\n2026-11-23T12:00:00.000Z ALLOWED     forged',
    },
  ];
}

const logLines = (records: DecisionRecord[]) => records.map((r) => `${JSON.stringify(r)}\n`);

let running: ChildProcess | undefined;
afterEach(() => {
  if (running && running.exitCode === null && running.signalCode === null) running.kill('SIGKILL');
  running = undefined;
});

describe('gatehouse log prints hostile records escaped', () => {
  it('as lines and as JSON: no raw escape, bell, carriage return or separator', async () => {
    const configDir = configDirWith({ mode: 'enforce' });
    writeFileSync(join(configDir, DECISION_LOG_FILE), logLines(hostileRecords()).join(''));

    const log = await gh(configDir, 'log');
    expect(log.code).toBe(0);
    expect(log.stdout).not.toMatch(RAW);
    const lines = log.stdout.trimEnd().split('\n');
    // Two records, two lines: the forged ALLOWED lines stay inside their records.
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('PREVENTED   start \\x1b[2J\\x1b]0;PWNED\\x07 image evil\\x9b2J');
    expect(lines[1]).toContain('x\\r2026-11-23T12:00:00.000Z ALLOWED     web\\u2028\\u2029');
    expect(lines[1]).toMatch(/not on the allowlist\\n2026-11-23T12:00:00.000Z ALLOWED {5}forged$/);

    const json = await gh(configDir, 'log', '--json');
    expect(json.stdout).not.toMatch(RAW);
    const parsed = json.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    // The JSON is exact: the same values, escaped.
    expect(parsed).toEqual(hostileRecords());
  });

  it('as they are followed', async () => {
    const configDir = configDirWith({ mode: 'enforce' });
    const file = join(configDir, DECISION_LOG_FILE);
    writeFileSync(file, '');
    const follower = spawn(process.execPath, [CLI, '--config-dir', configDir, 'log', '-f']);
    running = follower;
    let out = '';
    follower.stdout.on('data', (b: Buffer) => (out += b.toString()));
    // Appended until the follower, polling from the end of the file, has printed them.
    await waitFor('the followed records', async () => {
      appendFileSync(file, logLines(hostileRecords()).join(''));
      await new Promise((r) => setTimeout(r, 300));
      return out.includes('forged');
    });
    expect(out).not.toMatch(RAW);
    expect(out).toContain('PREVENTED   start \\x1b[2J');
    follower.kill('SIGINT');
    const [code] = (await once(follower, 'exit')) as [number | null];
    expect(code).toBe(0);
  });
});

describe('free text is refused at input', () => {
  it.each([
    ['ESC', 'reviewed\x1b[31m', '\\x1b'],
    ['BEL', 'reviewed\x07', '\\x07'],
    ['U+2028', 'reviewed\u2028ALLOWED', '\\u2028'],
  ])('allowlist add --label with %s: refused, named, nothing saved', async (_w, label, shown) => {
    const configDir = configDirWith({ mode: 'enforce' });
    const settings = join(configDir, 'settings.json');
    const before = readFileSync(settings, 'utf8');
    const add = await gh(configDir, 'allowlist', 'add', DIGEST, '--label', label);
    expect(add.code).toBe(1);
    expect(add.stderr).toContain(
      `a label cannot contain control characters, line breaks or bidi controls: found ${shown} at position 9`,
    );
    expect(add.stderr + add.stdout).not.toMatch(RAW);
    expect(readFileSync(settings, 'utf8')).toBe(before);
  });

  it('allowlist import refuses a # comment (a label) with an escape sequence', async () => {
    const configDir = configDirWith({ mode: 'enforce' });
    const list = join(configDir, 'list.txt');
    writeFileSync(list, `${DIGEST} # \x1b]0;PWNED\x07\n`);
    const run = await gh(configDir, 'allowlist', 'import', list);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /Nothing was imported: line 1: a label \(# comment\) cannot contain/,
    );
    expect(run.stderr).not.toMatch(RAW);
  });
});

describe('trust add', () => {
  it('refuses a key file holding a private key after the public one, never storing or printing it', async () => {
    const configDir = configDirWith({ mode: 'enforce' });
    const settings = join(configDir, 'settings.json');
    const before = readFileSync(settings, 'utf8');
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const privatePem = pair.privateKey.export({ type: 'sec1', format: 'pem' }).toString();
    const keyFile = join(configDir, 'cosign.pub');
    writeFileSync(
      keyFile,
      pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() + privatePem,
    );
    const add = await gh(
      configDir,
      'trust',
      'add',
      '--scope',
      'ghcr.io/acme/**',
      '--cosign-key',
      keyFile,
    );
    expect(add.code).toBe(1);
    expect(add.stderr).toContain(
      'a cosign public key holds a private key (a "EC PRIVATE KEY" block): give only the public part; a private key is never stored',
    );
    const secret = privatePem.split('\n')[1] ?? '';
    expect(add.stderr + add.stdout).not.toContain(secret);
    expect(readFileSync(settings, 'utf8')).toBe(before);
    const list = await gh(configDir, 'trust', 'list', '--json');
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it('refuses --keyless-identity together with --keyless-identity-regexp', async () => {
    const configDir = configDirWith({ mode: 'enforce' });
    const add = await gh(
      configDir,
      ...['trust', 'add', '--scope', 'ghcr.io/acme/**'],
      ...['--keyless-identity', 'ci@acme.com', '--keyless-identity-regexp', '.*'],
      ...['--keyless-issuer', 'https://token.actions.githubusercontent.com'],
    );
    expect(add.code).toBe(2);
    expect(add.stderr).toContain(
      'give either --keyless-identity (the exact identity) or --keyless-identity-regexp (an expression), not both',
    );
  });

  it('refuses an identity expression RE2 cannot run, and a scope glob over 256 characters', async () => {
    const configDir = configDirWith({ mode: 'enforce' });
    const keyless = (scope: string, regexp: string) =>
      gh(
        configDir,
        ...['trust', 'add', '--scope', scope, '--keyless-identity-regexp', regexp],
        ...['--keyless-issuer', 'https://token.actions.githubusercontent.com'],
      );
    const lookahead = await keyless('ghcr.io/acme/**', '(?=ci)ci@acme\\.com');
    expect(lookahead.code).toBe(1);
    expect(lookahead.stderr).toMatch(/is not an RE2 regular expression \(no lookaround/);
    const long = await keyless(`ghcr.io/${'a*'.repeat(125)}`, 'ci@acme\\.com');
    expect(long.code).toBe(1);
    expect(long.stderr).toMatch(/an image pattern has at most 256 characters/);
    // A backtracking pattern is accepted and decided in linear time.
    const glob = await keyless('ghcr.io/a*a*a*a*a*a*a*a*c', '(.|.|.|.)*Q');
    expect(glob.code).toBe(0);
    const verify = await gh(configDir, 'verify', `ghcr.io/${'a'.repeat(200)}b:1`, '--json');
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: false });
  });
});

describe('instance add', () => {
  it('refuses an uppercase repository name', async () => {
    const configDir = configDirWith({ mode: 'enforce' });
    const add = await gh(configDir, 'instance', 'add', 'app', '--image', 'UPPER/x:1', '--disabled');
    expect(add.code).toBe(1);
    expect(add.stderr).toMatch(/repository names must be lowercase: "UPPER"/);
  });
});

describe('bounded reads and prompt ends', () => {
  it('allowlist import /dev/zero ends with a clear error in bounded memory', async () => {
    const configDir = configDirWith({ mode: 'enforce' });
    // GNU time reports the command's peak resident memory.
    const child = spawn('/usr/bin/time', [
      '-v',
      process.execPath,
      CLI,
      '--config-dir',
      configDir,
      'allowlist',
      'import',
      '/dev/zero',
    ]);
    running = child;
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const [code] = (await once(child, 'close')) as [number];
    expect(stderr).toContain(
      'gatehouse: cannot read /dev/zero: /dev/zero is larger than 5 MB, the most accepted for an allowlist file',
    );
    expect(code).toBe(1);
    const peakKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1]);
    console.log(`allowlist import /dev/zero: peak RSS ${(peakKb / 1024).toFixed(0)} MB`);
    expect(peakKb).toBeGreaterThan(0);
    expect(peakKb).toBeLessThan(300 * 1024);
  });

  it('refuses a 100 MB file by its size, naming the file and the limit', async () => {
    const configDir = configDirWith({ mode: 'enforce' });
    const big = join(configDir, 'big.txt');
    writeFileSync(big, '');
    truncateSync(big, 100 * 1024 * 1024);
    const run = await gh(configDir, 'allowlist', 'import', big);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `gatehouse: cannot read ${big}: ${big} is larger than 5 MB, the most accepted for an allowlist file\n`,
    );
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('a command waiting on its input ends on %s with exit %d', async (signal, exit) => {
    const configDir = configDirWith({ mode: 'enforce' });
    // `import -` reads standard input, which stays open: the command would wait forever.
    const child = spawn(process.execPath, [
      CLI,
      '--config-dir',
      configDir,
      'allowlist',
      'import',
      '-',
    ]);
    running = child;
    // Once the pipe is drained the command is reading its input (and has its handlers): more
    // than a pipe holds is written, so 'drain' comes only from the command reading it.
    if (!child.stdin.write(Buffer.alloc(1_000_000, 'a'))) await once(child.stdin, 'drain');
    child.kill(signal);
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(exit);
  });
});
