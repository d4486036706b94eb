import { describe, expect, it } from 'vitest';
import type { Settings } from '../../../../shared/api/schemas.js';
import {
  addEntries,
  importText,
  InvalidInputError,
  removeEntries,
  exportText,
} from '../../../../electron/engine/policy/allowlist-editor.js';
import {
  decideImage,
  indexAllowlist,
} from '../../../../electron/engine/policy/allowlist-policy.js';
import { DEFAULT_SETTINGS } from '../../../../electron/engine/store/settings-store.js';

const d = (c: string) => `sha256:${c.repeat(64)}` as const;
const NOW = new Date('2026-11-23T10:00:00Z');

describe('allowlist editing', () => {
  it('adds entries with provenance and reports duplicates', () => {
    const first = addEntries(DEFAULT_SETTINGS, [{ digest: d('a'), label: 'web' }], 'manual', NOW);
    expect(first.settings.allowlist).toEqual([
      { digest: d('a'), label: 'web', addedAt: NOW.toISOString(), source: 'manual' },
    ]);
    const second = addEntries(
      first.settings,
      [{ digest: d('a') }, { digest: d('b') }, { digest: d('b') }],
      'manual',
      NOW,
    );
    expect(second.added).toEqual([d('b')]);
    expect(second.alreadyPresent).toEqual([d('a'), d('b')]);
    expect(second.settings.allowlist).toHaveLength(2);
  });

  it('refuses the whole request when one entry is bad, naming it', () => {
    const call = () =>
      addEntries(DEFAULT_SETTINGS, [{ digest: d('a') }, { digest: 'redis:7' }], 'manual', NOW);
    expect(call).toThrow(InvalidInputError);
    expect(call).toThrow(/Nothing was added: "redis:7" is not a digest/);
  });

  it('removes entries and names those that were not there', () => {
    const s = addEntries(
      DEFAULT_SETTINGS,
      [{ digest: d('a') }, { digest: d('b') }],
      'manual',
      NOW,
    ).settings;
    const r = removeEntries(s, [d('a'), d('c')]);
    expect(r.removed).toEqual([d('a')]);
    expect(r.notPresent).toEqual([d('c')]);
    expect(r.settings.allowlist.map((e) => e.digest)).toEqual([d('b')]);
    expect(() => removeEntries(s, ['nope'])).toThrow(/Nothing was removed/);
  });

  it('imports Kura text as `import` entries, all or nothing', () => {
    const s: Settings = importText(
      DEFAULT_SETTINGS,
      `${d('a')} # from kura\n\n${d('b')}\n`,
      NOW,
    ).settings;
    expect(s.allowlist.map((e) => [e.digest, e.source, e.label])).toEqual([
      [d('a'), 'import', 'from kura'],
      [d('b'), 'import', undefined],
    ]);
    expect(() => importText(s, `${d('c')}\nbogus\n`, NOW)).toThrow(/Nothing was imported: line 2/);
    expect(exportText(s)).toBe(`${d('a')} # from kura\n${d('b')}\n`);
  });
});

describe('deciding on an image', () => {
  const allowlist = indexAllowlist(
    addEntries(
      DEFAULT_SETTINGS,
      [{ digest: d('a'), label: 'web' }, { digest: d('b') }],
      'manual',
      NOW,
    ).settings.allowlist,
  );

  it('allows by a registry digest', () => {
    const v = decideImage({ imageId: d('9'), digests: [d('8'), d('a')] }, allowlist);
    expect(v).toMatchObject({
      allowed: true,
      allowedBy: { kind: 'entry', digest: d('a'), label: 'web' },
    });
    expect(v.reason).toMatch(/^digest .* is on the allowlist \(web\)$/);
  });

  it('allows a local image by its image ID', () => {
    const v = decideImage({ imageId: d('b'), digests: [] }, allowlist);
    expect(v).toMatchObject({ allowed: true, allowedBy: { digest: d('b') } });
    expect(v.reason).toMatch(/^image ID/);
  });

  it('refuses anything else and says what was looked at', () => {
    expect(decideImage({ imageId: d('9'), digests: [d('8')] }, allowlist)).toEqual({
      allowed: false,
      reason: `not on the allowlist: neither its digests (${d('8')}) nor its image ID ${d('9')}`,
    });
    expect(decideImage({ imageId: d('9'), digests: [] }, allowlist).reason).toMatch(
      /local image with no registry digest/,
    );
  });
});
