import type { EngineStatus } from '../../shared/api/channels.js';
import type { DecisionRecord } from '../../shared/api/schemas.js';
import { displayJson, displayText } from '../../shared/display-text.js';
import { PREVENTION_ON_COMMANDS } from '../../shared/prevention.js';
import { readBounded, readFileBounded, type Limit } from '../engine/files/bounded-read.js';

/**
 * Human-readable lines; `--json` output is the API's own result, as JSON. Everything printed
 * comes from `shown` or `displayJson`: names, labels and reasons come from Docker, images and
 * files anyone can write, and must not reach a terminal as escape sequences or line breaks.
 */

/** A line of output: the template's own text as written, every value through displayText. */
export function shown(strings: TemplateStringsArray, ...values: unknown[]): string {
  return strings.reduce((line, text, i) => `${line}${displayText(String(values[i - 1]))}${text}`);
}

/** Commander's messages (help, usage errors) echo arguments: each line is shown safely. */
export function displayLines(text: string): string {
  return text.split('\n').map(displayText).join('\n');
}

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
  const imageId = r.imageId ? ` [${short(r.imageId)}]` : '';
  const error = r.actionError ? shown` -- ${r.actionError}` : '';
  return (
    shown`${r.time} ${r.decision.toUpperCase().padEnd(11)} ${subject} image ${r.imageRef || '(unknown)'}${imageId}: ${r.reason}` +
    error
  );
}

/** `gatehouse status`'s prevention line: the plugin's state here, and what to do. */
export function formatPrevention({ ask, builds, plugin }: EngineStatus['prevention']): string {
  switch (plugin.state) {
    case 'serving':
      return shown`on: serving the authorization plugin on ${plugin.socketPath} (asks before refusing: ${ask ? 'yes' : 'no'}; ${
        builds === 'allow'
          ? 'WARNING: builds are allowed and their steps run undecided; refuse them: gatehouse prevention builds refuse'
          : 'builds refused while enforcing'
      })`;
    case 'off':
      return `off, reactive guard only; turn it on: ${PREVENTION_ON_COMMANDS.join(', then ')}`;
    case 'unsupported':
      return shown`unsupported: ${plugin.reason}`;
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${displayJson(value, 2)}\n`);
}

/** A file's text, or standard input for `-`, refused past `limit` before it is all read. */
export async function readInput(file: string, limit: Limit): Promise<string> {
  try {
    const bytes =
      file === '-'
        ? await readBounded(process.stdin, 'standard input', limit)
        : await readFileBounded(file, limit);
    return bytes.toString('utf8');
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}
