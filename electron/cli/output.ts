import { readFileSync } from 'node:fs';
import type { EngineStatus } from '../../shared/api/channels.js';
import type { DecisionRecord } from '../../shared/api/schemas.js';
import { PREVENTION_ON_COMMANDS } from '../../shared/prevention.js';

/** Human-readable lines; `--json` output is the API's own result, unchanged. */

export function short(digest: string): string {
  return digest.startsWith('sha256:') ? digest.slice(7, 19) : digest;
}

/**
 * One decision a line. A prevented request says what was refused (`create`, `start`, ...) and
 * names the container when there is one: a refused create has none, only the requested name.
 */
export function formatDecision(r: DecisionRecord): string {
  const container = r.containerId
    ? `${r.containerName} (${r.containerId.slice(0, 12)})`
    : r.containerName;
  const subject =
    r.decision === 'prevented'
      ? [r.trigger.replace(/^authz:/, ''), container].filter(Boolean).join(' ')
      : container;
  const image = `image ${r.imageRef || '(unknown)'}${r.imageId ? ` [${short(r.imageId)}]` : ''}`;
  const what = `${r.decision.toUpperCase().padEnd(11)} ${subject} ${image}`;
  const error = r.actionError ? ` -- ${r.actionError}` : '';
  return `${r.time} ${what}: ${r.reason}${error}`;
}

/** `gatehouse status`'s prevention line: the plugin's state here, and what to do. */
export function formatPrevention({ ask, builds, plugin }: EngineStatus['prevention']): string {
  switch (plugin.state) {
    case 'serving':
      return `on: serving the authorization plugin on ${plugin.socketPath} (asks before refusing: ${ask ? 'yes' : 'no'}; ${
        builds === 'allow'
          ? 'WARNING: builds are allowed and their steps run undecided; refuse them: gatehouse prevention builds refuse'
          : 'builds refused while enforcing'
      })`;
    case 'off':
      return `off, reactive guard only; turn it on: ${PREVENTION_ON_COMMANDS.join(', then ')}`;
    case 'unsupported':
      return `unsupported: ${plugin.reason}`;
  }
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
