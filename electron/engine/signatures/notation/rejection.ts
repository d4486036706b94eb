import type { z } from 'zod';

/** Thrown inside the verifier to stop at the first failed check; its message is for the user. */
export class Rejection extends Error {}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Validates attacker-supplied input, turning a schema failure into a readable rejection. */
export function parseOrReject<T extends z.ZodType>(
  schema: T,
  value: unknown,
  what: string,
): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 3).map((issue) => {
    const where = issue.path.map(String).join('.');
    return where ? `${where}: ${issue.message}` : issue.message;
  });
  throw new Rejection(`${what} is malformed (${problems.join('; ')})`);
}
