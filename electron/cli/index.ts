#!/usr/bin/env node
import { CommanderError } from 'commander';
import { displayText } from '../../shared/display-text.js';
import { UsageError } from './arguments.js';
import { buildProgram, EXIT } from './program.js';
import { exitOnStopSignals } from './stop-signals.js';

exitOnStopSignals();
try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version end here too, with exit code 0.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    // Messages quote what was refused, which may hold control characters.
    process.stderr.write(`gatehouse: ${displayText((error as Error).message)}\n`);
    process.exitCode = error instanceof UsageError ? EXIT.usage : EXIT.error;
  }
}
