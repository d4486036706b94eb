import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dispatch, engineHandlers } from '../../../../electron/engine/api/api-handlers.js';
import type { AuthzDecision } from '../../../../electron/engine/authz/authz-server.js';
import { Engine } from '../../../../electron/engine/engine.js';
import type { DecisionRecord } from '../../../../shared/api/schemas.js';

const IMAGE_ID = `sha256:${'b'.repeat(64)}`;
const CONTAINER = 'd'.repeat(64);

/** The engine's side of prevention records: the log, the event, the API. Docker is never reached. */
let configDir: string;
let engine: Engine;

beforeEach(() => {
  configDir = mkdtempSync(join(tmpdir(), 'gh-prevention-'));
  engine = Engine.open({ configDir, dockerHost: 'unix:///nonexistent/docker.sock' });
});

afterEach(() => rmSync(configDir, { recursive: true, force: true }));

const refused = (container?: { id: string; name: string }): AuthzDecision => ({
  allowed: false,
  message: 'image team/app:1 may not ...',
  refused: {
    imageRef: 'team/app:1',
    imageId: IMAGE_ID,
    digests: [],
    reason: 'not on the allowlist. To approve it: gatehouse allowlist add ...',
    ...(container ? { container } : {}),
  },
});

describe('Engine.recordPrevention', () => {
  it('appends a prevented record to the decision log and emits it as a decision', async () => {
    const events: DecisionRecord[] = [];
    engine.on('decision', (record) => events.push(record));
    const record = engine.recordPrevention(
      { kind: 'create', image: 'team/app:1', name: 'web' },
      refused(),
    );
    expect(record).toMatchObject({
      decision: 'prevented',
      containerId: '',
      containerName: 'web',
      trigger: 'authz:create',
    });
    expect(events).toEqual([record]);
    // On disk, in the very file, and through the API every face reads.
    const lines = readFileSync(join(configDir, 'decisions.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([record]);
    expect(await dispatch(engineHandlers(engine), 'log.list', { limit: 10 })).toEqual([record]);
  });

  it('records an allowed request too, with what allowed it', () => {
    const events: DecisionRecord[] = [];
    engine.on('decision', (record) => events.push(record));
    const allowedBy = { kind: 'entry', digest: IMAGE_ID } as const;
    const record = engine.recordPrevention(
      { kind: 'container', action: 'start', container: 'web' },
      {
        allowed: true,
        message: 'on the allowlist',
        subject: {
          imageRef: 'team/app:1',
          imageId: IMAGE_ID,
          digests: [],
          container: { id: CONTAINER, name: 'web' },
        },
        allowedBy,
      },
    );
    expect(record).toMatchObject({
      decision: 'allowed',
      containerId: CONTAINER,
      containerName: 'web',
      imageRef: 'team/app:1',
      imageId: IMAGE_ID,
      reason: 'on the allowlist',
      allowedBy,
      trigger: 'authz:start',
    });
    expect(events).toEqual([record]);
    expect(engine.log.read()).toEqual([record]);
  });

  it('reports a log it cannot write as a problem instead of throwing at the plugin', () => {
    const problems: Error[] = [];
    engine.on('problem', (error) => problems.push(error));
    rmSync(configDir, { recursive: true, force: true }); // the folder is gone: appends fail
    expect(() =>
      engine.recordPrevention(
        { kind: 'container', action: 'start', container: CONTAINER },
        refused({ id: CONTAINER, name: 'web' }),
      ),
    ).not.toThrow();
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringContaining('could not record a prevention'),
    ]);
  });
});
