import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiEventMessage } from '../../../../electron/engine/api/api-events.js';
import type { ApiHandlers } from '../../../../electron/engine/api/api-handlers.js';
import { startControlServer } from '../../../../electron/engine/control/control-server.js';
import { controlSocketPath } from '../../../../electron/engine/control/control-socket.js';
import { RemoteEngine } from '../../../../electron/engine/control/remote-engine.js';
import type { EngineEvents } from '../../../../electron/engine/engine.js';
import { apiChannels, type EngineStatus } from '../../../../shared/api/channels.js';
import { decision, status } from '../../electron/main/support.js';

const id = (i: number) => i.toString(16).padStart(64, '0');

/**
 * A daemon as the desktop app sees it: a control socket with handlers and an event source.
 * The real daemon behind a real socket is covered by the integration tests.
 */
class FakeDaemon {
  readonly events = new EventEmitter<EngineEvents>();
  current: EngineStatus = status();
  statusCalls = 0;
  server: Server | undefined;
  constructor(readonly configDir: string) {}

  async start(): Promise<void> {
    const fail = async () => {
      throw new Error('not used here');
    };
    const used: Partial<ApiHandlers> = {
      'status.get': async () => {
        this.statusCalls++;
        return this.current;
      },
      'mode.set': async () => {
        throw new Error('docker exploded');
      },
    };
    const handlers = {
      ...Object.fromEntries(apiChannels.map((channel) => [channel, fail])),
      ...used,
    } as ApiHandlers;
    this.server = await startControlServer(controlSocketPath(this.configDir), handlers, {
      events: this.events,
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    await new Promise<void>((resolve) => {
      server?.close(() => resolve());
      server?.closeAllConnections();
    });
  }
}

/** Collects what a face receives and waits for what it expects. */
function listen(remote: RemoteEngine) {
  const got: ApiEventMessage[] = [];
  const waiters: (() => void)[] = [];
  remote.subscribe((m) => {
    got.push(m);
    for (const w of waiters.splice(0)) w();
  });
  const until = async (done: () => boolean, what: string) => {
    const deadline = Date.now() + 10_000;
    while (!done()) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}: ${JSON.stringify(got)}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  };
  return { got, until };
}

describe('RemoteEngine: the desktop app as the face of a running daemon', () => {
  let daemon: FakeDaemon | undefined;
  let remote: RemoteEngine | undefined;
  afterEach(async () => {
    await remote?.close();
    await daemon?.stop();
    remote = daemon = undefined;
  });

  it('is not attached when no daemon answers on the folder', async () => {
    expect(await RemoteEngine.attach(mkdtempSync(join(tmpdir(), 'gh-re-')))).toBeUndefined();
  });

  it('calls through the control socket, keeping the engine errors', async () => {
    daemon = new FakeDaemon(mkdtempSync(join(tmpdir(), 'gh-re-')));
    await daemon.start();
    remote = await RemoteEngine.attach(daemon.configDir);
    expect(remote?.kind).toBe('attached');
    expect(remote?.status()).toEqual(daemon.current);
    await expect(remote?.handlers['mode.set']({ mode: 'audit' })).rejects.toMatchObject({
      name: 'ApiError',
      code: 'failed',
      message: 'docker exploded',
    });
  });

  it('delivers events in order, with the status already refreshed when they arrive', async () => {
    daemon = new FakeDaemon(mkdtempSync(join(tmpdir(), 'gh-re-')));
    await daemon.start();
    const attached = (remote = await RemoteEngine.attach(daemon.configDir));
    if (!attached) throw new Error('not attached');
    const seenMode: string[] = [];
    attached.subscribe((m) => {
      if (m.event === 'settings') seenMode.push(attached.status().enforcement.mode);
    });
    const { got, until } = listen(attached);
    await until(() => daemon?.events.listenerCount('decision') === 1, 'the stream to open');
    daemon.current = status({ mode: 'audit' });
    daemon.events.emit('settings', {} as never);
    const record = decision({ decision: 'quarantined' });
    daemon.events.emit('decision', record, {});
    daemon.events.emit('approvals', []);
    await until(() => got.length >= 4, 'four events');
    expect(got).toEqual([
      { event: 'settings', data: {} },
      { event: 'decision', data: record },
      { event: 'containers', data: {} },
      { event: 'approvals', data: {} },
    ]);
    expect(seenMode).toEqual(['audit']);
  });

  it('passes a storm of decisions on without asking for the status each time', async () => {
    daemon = new FakeDaemon(mkdtempSync(join(tmpdir(), 'gh-re-')));
    await daemon.start();
    const attached = (remote = await RemoteEngine.attach(daemon.configDir));
    if (!attached) throw new Error('not attached');
    const { got, until } = listen(attached);
    await until(() => daemon?.events.listenerCount('decision') === 1, 'the stream to open');
    const before = daemon.statusCalls;
    for (let i = 0; i < 50; i++)
      daemon.events.emit('decision', decision({ containerId: id(i) }), {});
    await until(() => got.length === 100, '50 decisions and their container events');
    expect(daemon.statusCalls).toBe(before);
  });

  it('says when the daemon stops answering, and catches up once it is back', async () => {
    daemon = new FakeDaemon(mkdtempSync(join(tmpdir(), 'gh-re-')));
    await daemon.start();
    const attached = (remote = await RemoteEngine.attach(daemon.configDir));
    if (!attached) throw new Error('not attached');
    const { got, until } = listen(attached);
    await until(() => daemon?.events.listenerCount('decision') === 1, 'the stream to open');

    await daemon.stop();
    await until(() => got.some((m) => m.event === 'connection'), 'the disconnection');
    const down = attached.status();
    expect(down.connection).toMatchObject({
      state: 'disconnected',
      error: expect.stringMatching(/Gatehouse daemon does not answer on .*control\.sock.*retrying/),
    });
    expect(down.enforcing).toBe(false);
    expect(down.ready).toBe(false);

    daemon.current = status({ enabled: false });
    got.length = 0;
    await daemon.start(); // what the watchdog does
    await until(() => got.some((m) => m.event === 'approvals'), 'the catch-up');
    expect(got.map((m) => m.event)).toEqual(
      expect.arrayContaining(['settings', 'containers', 'approvals', 'connection']),
    );
    expect(attached.status()).toEqual(daemon.current);
  });

  it('reports the daemon lost once it stays away, not when it is back in time', async () => {
    daemon = new FakeDaemon(mkdtempSync(join(tmpdir(), 'gh-re-')));
    await daemon.start();
    let lost = 0;
    const attached = (remote = await RemoteEngine.attach(daemon.configDir, {
      afterMs: 1_500,
      then: () => lost++,
    }));
    if (!attached) throw new Error('not attached');
    const { got, until } = listen(attached);
    await until(() => daemon?.events.listenerCount('decision') === 1, 'the stream to open');

    await daemon.stop();
    await until(() => got.some((m) => m.event === 'connection'), 'the disconnection');
    await daemon.start(); // back within 1.5 s: not lost
    await until(() => got.some((m) => m.event === 'approvals'), 'the catch-up');
    await new Promise((resolve) => setTimeout(resolve, 1_800));
    expect(lost).toBe(0);

    await daemon.stop(); // away for good
    await until(() => lost === 1, 'the loss');
    await new Promise((resolve) => setTimeout(resolve, 1_800));
    expect(lost).toBe(1);
  }, 15_000);
});
