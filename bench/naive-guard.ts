import type Docker from 'dockerode';

/**
 * The baseline the targets were set against: a naive dockerode guard that kills and removes
 * every container on its `start` event, deciding nothing. Run in the same benchmark, on the
 * same machine, so Gatehouse's figures are compared under the same load.
 */
export async function startNaiveGuard(
  docker: Docker,
  onDone: (name: string, timings: { eventAt: number; killedAt: number; removedAt: number }) => void,
): Promise<() => void> {
  const stream = (await docker.getEvents({
    filters: { type: ['container'], event: ['start'] },
  })) as NodeJS.ReadableStream & {
    destroy(): void;
  };
  let buffered = '';
  stream.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines.filter(Boolean)) {
      const event = JSON.parse(line) as { Actor: { ID: string; Attributes: { name: string } } };
      const eventAt = performance.timeOrigin + performance.now();
      const container = docker.getContainer(event.Actor.ID);
      void (async () => {
        await container.kill().catch(() => undefined);
        const killedAt = performance.timeOrigin + performance.now();
        await container.remove({ force: true }).catch(() => undefined);
        onDone(event.Actor.Attributes.name, {
          eventAt,
          killedAt,
          removedAt: performance.timeOrigin + performance.now(),
        });
      })();
    }
  });
  return () => stream.destroy();
}
