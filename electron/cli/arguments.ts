import { InvalidArgumentError } from 'commander';

/** Argument parsers shared by the commands: a bad value is a usage error naming it. */

export function choice(values: string[]) {
  return (value: string) => {
    if (!values.includes(value))
      throw new InvalidArgumentError(
        `expected one of ${values.join(', ')}, got ${JSON.stringify(value)}`,
      );
    return value;
  };
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(
      `expected a positive whole number, got ${JSON.stringify(value)}`,
    );
  return n;
}

/** Options that do not fit together: printed by the entry point, exit code 2. */
export class UsageError extends Error {}
