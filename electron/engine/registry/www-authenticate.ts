/** One challenge of a `WWW-Authenticate` header, e.g. `Bearer realm="...",service="..."`. */
export interface AuthChallenge {
  /** Lowercase, e.g. `bearer`, `basic`. */
  scheme: string;
  /** Parameter names lowercased; quoted values unescaped. */
  params: Readonly<Record<string, string>>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;
const QUOTED = /^"((?:[^"\\]|\\.)*)"/;

/**
 * Parses a `WWW-Authenticate` value (RFC 9110 §11.6.1). Node joins repeated headers with
 * ", ", so one value may hold several challenges: `Basic realm="r", Bearer realm="t"`.
 * Unparseable rest is ignored: the challenges read so far are still usable.
 */
export function parseChallenges(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let rest = header;
  let current: { scheme: string; params: Record<string, string> } | undefined;
  for (;;) {
    rest = rest.replace(/^[\s,]+/, '');
    const token = TOKEN.exec(rest)?.[0];
    if (token === undefined) return challenges;
    rest = rest.slice(token.length);
    const param = /^\s*=\s*/.exec(rest);
    // A token followed by "=" is a parameter of the current challenge; any other starts one.
    if (param === null || current === undefined) {
      if (param !== null) return challenges;
      current = { scheme: token.toLowerCase(), params: {} };
      challenges.push(current);
      continue;
    }
    rest = rest.slice(param[0].length);
    const quoted = QUOTED.exec(rest);
    const value = quoted ? (quoted[1] ?? '').replace(/\\(.)/g, '$1') : TOKEN.exec(rest)?.[0];
    if (value === undefined) return challenges;
    rest = rest.slice(quoted ? quoted[0].length : value.length);
    current.params[token.toLowerCase()] = value;
  }
}
