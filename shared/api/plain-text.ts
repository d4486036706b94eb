import type { z } from 'zod';
import { controlCharacterProblem } from '../display-text.js';

/**
 * A zod refinement for free text that people read (labels, identities, URLs): one plain
 * line, so it cannot carry escape sequences or forge lines where it is shown.
 */
export function plainText(what: string) {
  return (value: string, ctx: z.core.$RefinementCtx<string>) => {
    const problem = controlCharacterProblem(what, value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  };
}
