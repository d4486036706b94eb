import { displayText } from '../../../shared/display-text.js';

/**
 * Names, images, labels and reasons as shown: they come from Docker and from files anyone can
 * write. Svelte escapes HTML, but control characters (a carriage return, bidi overrides that
 * reorder a name) would still act; they are shown escaped, as on the command line.
 */
export function shownText(text: string | undefined): string {
  return text === undefined ? '' : displayText(text);
}

/** `sha256:0123456789ab…` — the full value belongs in a title. */
export function shortDigest(value: string, hexChars = 12): string {
  const match = /^(sha256:)([0-9a-f]+)$/.exec(value);
  if (match) {
    const [, prefix = '', hex = ''] = match;
    return hex.length > hexChars ? `${prefix}${hex.slice(0, hexChars)}…` : value;
  }
  return value.length > 24 ? `${value.slice(0, 23)}…` : value;
}

export function shortId(id: string): string {
  return id.slice(0, 12);
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const dateShort = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

/** Today's times without a date; older ones with it. */
export function formatTime(iso: string, now = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toDateString() === now.toDateString()
    ? timeOnly.format(date)
    : dateShort.format(date);
}

export function formatFullTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString()} ${count === 1 ? one : many}`;
}
