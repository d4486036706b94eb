import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

/** Writes bench/results/NAME.json with the date and the machine, and prints it. */
export function writeResults(name: string, figures: Record<string, unknown>): void {
  const results = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    ...figures,
  };
  // Compiled to dist/bench/: the results live in the source tree's bench/results.
  const out = resolve(import.meta.dirname, '../../bench/results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
  console.log(`written to ${join(out, `${name}.json`)}`);
}
