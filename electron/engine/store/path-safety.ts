import { lstatSync, mkdirSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';

/**
 * Who may write the places Gatehouse keeps its policy and its sockets. Another user who can
 * write the config folder can replace settings.json (enforcement off) or bind control.sock
 * first and receive what the CLI sends (registry passwords); one who owns a plugin socket can
 * answer dockerd's questions with "allow". So such a path is refused, never used.
 *
 * The rule: the path is owned by this user or by root, and no one else can write it (group
 * write counts only for a group this user does not have to themselves). A folder on the way to
 * it may be writable by others only with the sticky bit (like /tmp), where they cannot rename
 * or remove what is not theirs.
 */
export class UnsafePathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafePathError';
  }
}

/** The users a path may belong to: this one and root (and the one sudo ran us for, if given). */
export function trustedOwners(extra: number[] = []): Set<number> {
  const uid = process.getuid?.();
  return new Set([0, ...(uid === undefined ? [] : [uid]), ...extra]);
}

const OTHER_WRITE = 0o002;
const GROUP_WRITE = 0o020;
const STICKY = 0o1000;

let privateGroups: Map<number, boolean> | undefined;

/**
 * Whether a group is this user's alone: their primary group, with no other member in
 * /etc/group and no other user's primary group in /etc/passwd. Debian and Ubuntu give each
 * user such a group and a umask of 002, so their folders are group-writable and still private;
 * a shared primary group (such as `users`) is not.
 */
function isPrivateGroup(gid: number): boolean {
  privateGroups ??= new Map();
  const known = privateGroups.get(gid);
  if (known !== undefined) return known;
  let answer = false;
  try {
    const me = userInfo().username;
    if (gid === process.getgid?.()) {
      const entries = (file: string) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .map((line) => line.split(':'));
      const group = entries('/etc/group').find((f) => Number(f[2]) === gid);
      const members = (group?.[3] ?? '').split(',').filter((m) => m && m !== me);
      const sharers = entries('/etc/passwd').filter((f) => Number(f[3]) === gid && f[0] !== me);
      answer = group !== undefined && members.length === 0 && sharers.length === 0;
    }
  } catch {
    answer = false; // cannot tell: not private
  }
  privateGroups.set(gid, answer);
  return answer;
}

function writableByOthers(st: Stats): boolean {
  return (
    (st.mode & OTHER_WRITE) !== 0 || ((st.mode & GROUP_WRITE) !== 0 && !isPrivateGroup(st.gid))
  );
}

const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, '0');

function ownerProblem(what: string, path: string, st: Stats): string {
  return (
    `${what} ${path} belongs to user ${st.uid}, not to you (uid ${process.getuid?.()}) or root: ` +
    `another user could have put it there. Check what it holds, then fix it with: sudo chown -R $(id -u):$(id -g) '${path}' (or use another folder)`
  );
}

/**
 * Refuses `path` (a folder, file or socket: `what` names it in the message) unless it belongs
 * to a trusted owner and no one else can write it. A path that does not exist passes: the
 * caller creates it owner-only. No-op on Windows, where ACLs decide.
 */
export function assertPrivate(what: string, path: string, owners = trustedOwners()): void {
  if (process.platform === 'win32') return;
  const link = lstatSync(path, { throwIfNoEntry: false });
  if (!link) return;
  if (!owners.has(link.uid)) throw new UnsafePathError(ownerProblem(what, path, link));
  // A link's own mode is always 0777 and means nothing: what it points at is what is written.
  const st = link.isSymbolicLink() ? statSync(path) : link;
  if (!owners.has(st.uid)) throw new UnsafePathError(ownerProblem(what, path, st));
  if (writableByOthers(st))
    throw new UnsafePathError(
      `${what} ${path} can be written by other users (mode ${octal(st.mode)}): they could change Gatehouse's policy or pose as its engine. Fix it with: chmod ${st.isDirectory() ? '700' : '600'} '${path}'`,
    );
}

/**
 * Refuses a folder Gatehouse keeps state or sockets in unless it and every folder above it are
 * safe (see the rule above): a folder above that others can write lets them swap this one.
 */
export function assertPrivateFolder(what: string, dir: string, owners = trustedOwners()): void {
  if (process.platform === 'win32') return;
  assertPrivate(what, dir, owners);
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    return; // not there yet: it is created owner-only
  }
  if (real !== dir) assertPrivate(what, real, owners);
  for (let parent = dirname(real); ; parent = dirname(parent)) {
    const st = lstatSync(parent);
    if (!owners.has(st.uid))
      throw new UnsafePathError(ownerProblem(`the folder above ${dir},`, parent, st));
    if (writableByOthers(st) && !(st.mode & STICKY))
      throw new UnsafePathError(
        `the folder ${parent} above ${dir} can be written by other users (mode ${octal(st.mode)}): they could replace ${dir}. Fix it with: chmod go-w '${parent}' (or chmod +t for a shared folder like /tmp), or use another folder`,
      );
    if (parent === dirname(parent)) return;
  }
}

/** Creates `dir` owner-only if it is missing, then checks it (and the folders above) as above. */
export function openPrivateFolder(what: string, dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  assertPrivateFolder(what, dir);
}
