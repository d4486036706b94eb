import { digestProblem, type Digest } from './digest.js';
import { controlCharacterProblem } from './display-text.js';

/**
 * The allowlist as text, in Eclipse Kura's format: one digest per line, surrounding
 * whitespace trimmed, blank lines ignored. Gatehouse also reads `# comments`, whole-line or
 * after a digest; a trailing comment becomes the entry's label, which is how export writes it.
 */
export interface AllowlistTextEntry {
  digest: Digest;
  label?: string;
}

export interface AllowlistTextProblem {
  line: number;
  message: string;
}

export function parseAllowlistText(text: string): {
  entries: AllowlistTextEntry[];
  problems: AllowlistTextProblem[];
} {
  const entries: AllowlistTextEntry[] = [];
  const problems: AllowlistTextProblem[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const hash = raw.indexOf('#');
    const value = (hash < 0 ? raw : raw.slice(0, hash)).trim();
    const comment = hash < 0 ? '' : raw.slice(hash + 1).trim();
    if (value === '') return;
    // The comment becomes the entry's label, shown wherever the entry is.
    const problem = digestProblem(value) ?? controlCharacterProblem('a label (# comment)', comment);
    if (problem) problems.push({ line: index + 1, message: `line ${index + 1}: ${problem}` });
    else
      entries.push(
        comment ? { digest: value as Digest, label: comment } : { digest: value as Digest },
      );
  });
  return { entries, problems };
}

export function formatAllowlistText(entries: readonly AllowlistTextEntry[]): string {
  return entries
    .map((e) => (e.label ? `${e.digest} # ${e.label.replace(/[\r\n]+/g, ' ')}` : e.digest))
    .map((line) => `${line}\n`)
    .join('');
}
