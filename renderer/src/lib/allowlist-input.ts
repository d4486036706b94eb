import { parseAllowlistText } from '../../../shared/allowlist-text.js';

/** What the Add form sends for pasted text, once it parses. */
export type AllowlistSubmission =
  | { kind: 'add'; entries: string[]; label?: string }
  | { kind: 'import'; text: string; count: number };

export type AllowlistPlan =
  { ok: true; submission: AllowlistSubmission } | { ok: false; problems: string[] };

/**
 * Checks pasted text in Kura's format (`# comments`; a trailing `# label` labels its line)
 * with the same parser the engine uses, so bad input is refused before anything is sent.
 * One label for every line (or none) is one `allowlist.add`; lines with their own labels are
 * sent as text to `allowlist.import` with the default label written onto unlabelled lines,
 * so line numbers in the engine's problems match what the user pasted. Either call saves
 * all of it or nothing.
 */
export function planAllowlistInput(text: string, defaultLabel = ''): AllowlistPlan {
  const label = defaultLabel.trim();
  const { entries, problems } = parseAllowlistText(text);
  const labelProblems = /[\r\n]/.test(label) ? ['the label must be one line'] : [];
  if (label.length > 200) labelProblems.push('the label is at most 200 characters');
  if (problems.length > 0 || labelProblems.length > 0)
    return { ok: false, problems: [...problems.map((p) => p.message), ...labelProblems] };
  if (entries.length === 0)
    return {
      ok: false,
      problems: ['paste at least one digest (sha256: followed by 64 lowercase hex characters)'],
    };
  const labels = new Set(entries.map((e) => e.label ?? label));
  if (labels.size === 1) {
    const only = [...labels][0] ?? '';
    return {
      ok: true,
      submission: {
        kind: 'add',
        entries: entries.map((e) => e.digest),
        ...(only ? { label: only } : {}),
      },
    };
  }
  const withDefault = label
    ? text
        .split(/\r?\n/)
        .map((line) => (line.includes('#') || line.trim() === '' ? line : `${line} # ${label}`))
        .join('\n')
    : text;
  return { ok: true, submission: { kind: 'import', text: withDefault, count: entries.length } };
}
