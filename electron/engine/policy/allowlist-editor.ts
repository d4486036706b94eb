import { parseAllowlistText, formatAllowlistText } from '../../../shared/allowlist-text.js';
import type { AllowlistEntry, Settings } from '../../../shared/api/schemas.js';
import { digestProblem, type Digest } from '../../../shared/digest.js';

/** Input that is refused as a whole: nothing of it is saved. */
export class InvalidInputError extends Error {
  constructor(
    message: string,
    readonly problems: string[] = [message],
  ) {
    super(message);
    this.name = 'InvalidInputError';
  }
}

type Source = AllowlistEntry['source'];

export interface AddResult {
  settings: Settings;
  added: Digest[];
  alreadyPresent: Digest[];
}

/** Adds digests; if any one of them is not a digest, the whole request is refused. */
export function addEntries(
  settings: Settings,
  items: readonly { digest: string; label?: string | undefined }[],
  source: Source,
  now: Date,
): AddResult {
  const problems = items.map((i) => digestProblem(i.digest)).filter((p) => p !== undefined);
  if (problems.length)
    throw new InvalidInputError(
      `Nothing was added: ${problems.length === 1 ? problems[0] : `${problems.length} entries are not digests: ${problems.join('; ')}`}`,
      problems,
    );
  const present = new Set(settings.allowlist.map((e) => e.digest));
  const added: Digest[] = [];
  const alreadyPresent: Digest[] = [];
  const allowlist = [...settings.allowlist];
  for (const item of items) {
    const digest = item.digest as Digest;
    if (present.has(digest)) {
      alreadyPresent.push(digest);
      continue;
    }
    present.add(digest);
    added.push(digest);
    allowlist.push({
      digest,
      addedAt: now.toISOString(),
      source,
      ...(item.label ? { label: item.label } : {}),
    });
  }
  return { settings: { ...settings, allowlist }, added, alreadyPresent };
}

export function removeEntries(
  settings: Settings,
  digests: readonly string[],
): { settings: Settings; removed: Digest[]; notPresent: string[] } {
  const problems = digests.map(digestProblem).filter((p) => p !== undefined);
  if (problems.length)
    throw new InvalidInputError(`Nothing was removed: ${problems.join('; ')}`, problems);
  const wanted = new Set(digests);
  const removed = settings.allowlist.filter((e) => wanted.has(e.digest)).map((e) => e.digest);
  const notPresent = [...wanted].filter((d) => !removed.includes(d as Digest));
  return {
    settings: { ...settings, allowlist: settings.allowlist.filter((e) => !wanted.has(e.digest)) },
    removed,
    notPresent,
  };
}

/** Imports Kura's newline format (with `# comments`); one bad line refuses the whole file. */
export function importText(settings: Settings, text: string, now: Date): AddResult {
  const { entries, problems } = parseAllowlistText(text);
  if (problems.length)
    throw new InvalidInputError(
      `Nothing was imported: ${problems.map((p) => p.message).join('; ')}`,
      problems.map((p) => p.message),
    );
  return addEntries(settings, entries, 'import', now);
}

export function exportText(settings: Settings): string {
  return formatAllowlistText(
    settings.allowlist.map((e) =>
      e.label ? { digest: e.digest, label: e.label } : { digest: e.digest },
    ),
  );
}
