import { readFileSync } from 'node:fs';
import type { DecisionRecord } from '../../shared/api/schemas.js';

/** Human-readable lines; `--json` output is the API's own result, unchanged. */

export function short(digest: string): string {
  return digest.startsWith('sha256:') ? digest.slice(7, 19) : digest;
}

export function formatDecision(r: DecisionRecord): string {
  const what = `${r.decision.toUpperCase().padEnd(11)} ${r.containerName} (${r.containerId.slice(0, 12)}) image ${r.imageRef} [${short(r.imageId)}]`;
  const error = r.actionError ? ` -- ${r.actionError}` : '';
  return `${r.time} ${what}: ${r.reason}${error}`;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A file's text, or standard input for `-`. */
export function readInput(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}
