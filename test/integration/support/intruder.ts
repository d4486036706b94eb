import { execFileSync, spawn, type ChildProcess } from 'node:child_process';

export const INTRUDER = 'gh-intruder';

/** Another local user, created if absent: the attacker of the folder-safety tests. */
export function intruder(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, INTRUDER], { encoding: 'utf8' }));
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', [
      '--system',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      INTRUDER,
    ]);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** Runs `node -e script ...args` as the intruder (no supplementary groups). */
export function spawnAsIntruder(script: string, args: string[] = []): ChildProcess {
  const { uid, gid } = intruder();
  return spawn('setpriv', [
    `--reuid=${uid}`,
    `--regid=${gid}`,
    '--clear-groups',
    process.execPath,
    '-e',
    script,
    ...args,
  ]);
}

/**
 * An HTTP server on a unix socket, run as the intruder: answers every request with `reply`
 * (JSON) and prints `got <method> <url> <body>` per request, `listening` once bound.
 */
export const IMPOSTOR_SERVER = `
const [path, reply] = process.argv.slice(1);
require('node:fs').rmSync(path, { force: true });
require('node:http')
  .createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      console.log('got', req.method, req.url, body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(reply);
    });
  })
  .listen(path, () => {
    require('node:fs').chmodSync(path, 0o777);
    console.log('listening');
  });
`;
