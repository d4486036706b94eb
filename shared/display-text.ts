/**
 * Text from outside (container and image names, labels, reasons, Docker's own messages) shown
 * to a person. A terminal obeys escape sequences, a carriage return rewrites the line it is on,
 * and bidi controls reorder what is read; so every such character is shown escaped, never
 * emitted: C0 and C1 controls, DEL, the bidi marks, embeddings, overrides and isolates, and
 * the line and paragraph separators.
 */
const UNSAFE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The same set, for input checks: a label or name with one of these is refused. */
export const CONTROL_CHARACTER = new RegExp(UNSAFE.source);

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escaped(char: string): string {
  const code = char.charCodeAt(0);
  return (
    NAMED[char] ??
    (code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`)
  );
}

/** `text` with every control character written out (`\x1b`, `\r`, `\u2028`). */
export function displayText(text: string): string {
  return text.replace(UNSAFE, escaped);
}

// Outside strings JSON holds only ASCII, so these can only occur inside strings, where the
// \uXXXX form denotes the very same character.
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON.stringify for a terminal: the same JSON value, with the characters JSON.stringify
 * leaves raw (DEL, C1, bidi controls, U+2028/2029) written as \uXXXX escapes.
 */
export function displayJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    UNSAFE_IN_JSON,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** What is wrong with free text that must be one plain line; undefined when it is fine. */
export function controlCharacterProblem(what: string, text: string): string | undefined {
  const found = CONTROL_CHARACTER.exec(text);
  if (!found) return undefined;
  return `${what} cannot contain control characters, line breaks or bidi controls: found ${escaped(found[0])} at position ${found.index + 1}`;
}
