import { RE2JS } from 're2js';

/**
 * Keyless identity expressions come from policies and are matched against identities any
 * signer chooses: they run on RE2 (re2js), whose matching time is linear in the identity,
 * never on the backtracking JavaScript engine, where `(.|.|.|.)*Q` takes minutes. RE2 syntax,
 * as cosign's Go regexp: no lookaround, no backreferences.
 */
export interface IdentityExpression {
  /** Whether the expression matches the whole identity (anchored at both ends). */
  matches(identity: string): boolean;
}

/** Compiles an expression; throws an Error saying why RE2 refuses it. */
export function compileIdentityExpression(source: string): IdentityExpression {
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source);
  } catch (error) {
    throw new Error(
      `identity expression /${source}/ is not an RE2 regular expression (no lookaround or backreferences): ${(error as Error).message}`,
      { cause: error },
    );
  }
  return { matches: (identity) => compiled.matches(identity) };
}
