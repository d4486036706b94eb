import type { TestProject } from 'vitest/node';
import { startDockerd } from './dockerd.js';
import { startRegistry } from './registry.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `unix://...` of the dockerd shared by all integration tests. */
    dockerHost: string;
    /** Its directory: `connectDockerd(inject('dockerdDir'))` gives a docker CLI for it. */
    dockerdDir: string;
    /** `127.0.0.1:PORT` of the shared registry. */
    registryHost: string;
  }
}

/**
 * One dockerd and one registry for the whole integration run (test files run one at a
 * time). Tests that must restart a daemon start their own with startDockerd().
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [dockerd, registry] = await Promise.all([startDockerd(), startRegistry()]);
  project.provide('dockerHost', dockerd.host);
  project.provide('dockerdDir', dockerd.dir);
  project.provide('registryHost', registry.host);
  return async () => {
    await Promise.all([dockerd.dispose(), registry.stop()]);
  };
}
