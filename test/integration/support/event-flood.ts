import { request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * The attacker's side of the blinding tests, in a worker thread (plain Node, type-stripped: it
 * imports nothing but Node's own modules), so it keeps going while the engine's thread is busy
 * or blocked: allowed containers run (or restarted) with huge labels, a burst of quick creates
 * of the allowed image, then a container of the refused image run. Raw API calls: dockerode
 * would put a create's options (labels included) in the query string too.
 */
export interface FloodOrders {
  socketPath: string;
  allowedImage: string;
  refusedImage: string;
  /** Running containers of the allowed image with `hugeLabelBytes` of label each, first. */
  hugeLabelled: number;
  hugeLabelBytes: number;
  /**
   * Restart those that run already, during the burst: a restart passes the plugin (no body),
   * so huge labels set before prevention was on still flood the events.
   */
  restartHugeLabelled: boolean;
  /** How many containers of the allowed image to create (not started) next, 8 at a time. */
  creates: number;
  /** Bytes of label on each of them: a few make each event fill a socket buffer. */
  labelBytes: number;
  /** The name of the refused image's container, started (`sleep 300`) last, if any. */
  refusedName?: string;
  refusedLabelBytes: number;
  /** Set to 1 once the refused container runs, 2 on a failure; notified either way. */
  done: Int32Array;
}

export type FloodReport = { ok: true; refusedId?: string } | { ok: false; error: string };

const HUGE_MARK = 'gatehouse-test.huge-labelled';

function call(socketPath: string, method: string, path: string, body?: unknown) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request(
      {
        socketPath,
        method,
        path,
        headers: data ? { 'content-type': 'application/json', 'content-length': data.length } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function expectStatus(
  orders: FloodOrders,
  status: number,
  method: string,
  path: string,
  body?: unknown,
) {
  const r = await call(orders.socketPath, method, path, body);
  if (r.status !== status) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
  return r.text;
}

async function run(
  orders: FloodOrders,
  image: string,
  labelBytes: number,
  name?: string,
  mark: Record<string, string> = {},
): Promise<string> {
  const created = await expectStatus(
    orders,
    201,
    'POST',
    `/containers/create${name ? `?name=${name}` : ''}`,
    {
      Image: image,
      Cmd: ['sleep', '300'],
      Labels: { ...mark, padding: 'x'.repeat(labelBytes) },
      HostConfig: { NetworkMode: 'none' },
    },
  );
  const { Id: id } = JSON.parse(created) as { Id: string };
  await expectStatus(orders, 204, 'POST', `/containers/${id}/start`);
  return id;
}

async function restartHugeLabelled(orders: FloodOrders): Promise<void> {
  const filters = encodeURIComponent(JSON.stringify({ label: [HUGE_MARK] }));
  const listed = await expectStatus(orders, 200, 'GET', `/containers/json?filters=${filters}`);
  for (const { Id: id } of JSON.parse(listed) as { Id: string }[])
    await expectStatus(orders, 204, 'POST', `/containers/${id}/restart?t=0`);
}

async function flood(orders: FloodOrders): Promise<string | undefined> {
  for (let i = 0; i < orders.hugeLabelled; i++)
    await run(orders, orders.allowedImage, orders.hugeLabelBytes, undefined, { [HUGE_MARK]: '1' });
  const restarts = orders.restartHugeLabelled ? restartHugeLabelled(orders) : undefined;
  const label = 'x'.repeat(orders.labelBytes);
  let next = 0;
  const worker = async () => {
    while (next < orders.creates) {
      next++;
      await expectStatus(orders, 201, 'POST', '/containers/create', {
        Image: orders.allowedImage,
        Cmd: ['true'],
        Labels: { padding: label },
        HostConfig: { NetworkMode: 'none' },
      });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  await restarts;
  if (orders.refusedName === undefined) return undefined;
  return run(orders, orders.refusedImage, orders.refusedLabelBytes, orders.refusedName);
}

const orders = workerData as FloodOrders;
flood(orders).then(
  (refusedId) => {
    parentPort?.postMessage({
      ok: true,
      ...(refusedId ? { refusedId } : {}),
    } satisfies FloodReport);
    Atomics.store(orders.done, 0, 1);
    Atomics.notify(orders.done, 0);
  },
  (error: unknown) => {
    parentPort?.postMessage({ ok: false, error: String(error) } satisfies FloodReport);
    Atomics.store(orders.done, 0, 2);
    Atomics.notify(orders.done, 0);
  },
);
