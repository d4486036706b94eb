import { chmodSync, chownSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  assertPrivate,
  assertPrivateFolder,
  openPrivateFolder,
  UnsafePathError,
} from '../../../../electron/engine/store/path-safety.js';

const base = () => mkdtempSync(join(tmpdir(), 'gh-safety-'));

describe('path safety', () => {
  it('creates a missing folder owner-only and accepts it', () => {
    const dir = join(base(), 'a', 'b');
    openPrivateFolder('the config folder', dir);
    expect(() => assertPrivateFolder('the config folder', dir)).not.toThrow();
  });

  it('refuses a folder or file others can write, with the chmod that fixes it', () => {
    const dir = base();
    chmodSync(dir, 0o777);
    expect(() => assertPrivateFolder('the config folder', dir)).toThrow(
      `the config folder ${dir} can be written by other users (mode 0777): they could change Gatehouse's policy or pose as its engine. Fix it with: chmod 700 '${dir}'`,
    );
    const file = join(base(), 'settings.json');
    writeFileSync(file, '{}');
    chmodSync(file, 0o666);
    expect(() => assertPrivate('the settings file', file)).toThrow(/chmod 600/);
  });

  it("group write counts only for a group that is not this user's alone", () => {
    const dir = base();
    chmodSync(dir, 0o770);
    // Our own primary group, with no other member (as Debian gives each user): private.
    expect(() => assertPrivateFolder('the config folder', dir)).not.toThrow();
    // A group we are not the only one in (here: one we are not in at all): not private.
    chownSync(dir, process.getuid?.() ?? 0, 54_321);
    expect(() => assertPrivateFolder('the config folder', dir)).toThrow(/mode 0770/);
  });

  it('refuses a folder below one others can write without the sticky bit; /tmp-like is fine', () => {
    const open = base();
    const dir = join(open, 'config');
    mkdirSync(dir, { mode: 0o700 });
    chmodSync(open, 0o1777);
    expect(() => assertPrivateFolder('the config folder', dir)).not.toThrow();
    chmodSync(open, 0o777);
    expect(() => assertPrivateFolder('the config folder', dir)).toThrow(UnsafePathError);
    expect(() => assertPrivateFolder('the config folder', dir)).toThrow(`chmod go-w '${open}'`);
  });

  it('refuses an owner that is neither this user nor root', () => {
    const file = join(base(), 'control.sock');
    writeFileSync(file, '');
    const me = process.getuid?.() ?? 0;
    expect(() => assertPrivate('the control socket', file, new Set([me + 12345]))).toThrow(
      `belongs to user ${me}`,
    );
  });

  it('judges a link by what it points at (a link itself is always mode 0777)', () => {
    const dir = base();
    const target = join(dir, 'real.json');
    writeFileSync(target, '{}', { mode: 0o600 });
    symlinkSync(target, join(dir, 'settings.json'));
    expect(() => assertPrivate('the settings file', join(dir, 'settings.json'))).not.toThrow();
    chmodSync(target, 0o666);
    expect(() => assertPrivate('the settings file', join(dir, 'settings.json'))).toThrow(
      /mode 0666/,
    );
  });
});
