#!/usr/bin/env node
import { CommanderError } from 'commander';
import { UsageError } from './arguments.js';
import { buildProgram, EXIT } from './program.js';

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version end here too, with exit code 0.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    process.stderr.write(`gatehouse: ${(error as Error).message}\n`);
    process.exitCode = error instanceof UsageError ? EXIT.usage : EXIT.error;
  }
}
