import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { connectDockerd, startDockerd, type Dockerd } from '../env/dockerd.js';
import { importImage, NONCE_FILE, pushImage } from '../env/images.js';

const shared = connectDockerd(inject('dockerdDir'));
const registryHost = inject('registryHost');

describe('shared dockerd and registry', () => {
  test('the shared dockerd answers', async () => {
    expect(shared.host).toBe(inject('dockerHost'));
    const r = await shared.docker(['version', '--format', '{{.Server.APIVersion}}']);
    expect(r).toMatchObject({ code: 0, stdout: '1.41\n' });
  });

  test('an imported image runs a container without network', async () => {
    const id = await importImage(shared, 'gatehouse-test/bed:run');
    const r = await shared.docker([
      'run', '--rm', '--network', 'none', id, 'sh', '-c', `echo hello; cat ${NONCE_FILE}`,
    ]); // prettier-ignore
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^hello\n[0-9a-f-]{36}\n$/);
  });

  test('two imports give two image IDs', async () => {
    const a = await importImage(shared, 'gatehouse-test/bed:a');
    const b = await importImage(shared, 'gatehouse-test/bed:b');
    expect(a).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b).not.toBe(a);
  });

  test('a push gives RepoDigests in the registry', async () => {
    const ref = `${registryHost}/team/app:1`;
    const id = await importImage(shared, ref);
    const digest = await pushImage(shared, ref);
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const r = await shared.docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', id]);
    expect(JSON.parse(r.stdout)).toEqual([`${registryHost}/team/app@${digest}`]);
    const res = await fetch(`http://${registryHost}/v2/team/app/manifests/1`, {
      method: 'HEAD',
      headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    });
    expect(res.headers.get('docker-content-digest')).toBe(digest);
  });
});

describe('a private dockerd', () => {
  let dockerd: Dockerd;
  beforeAll(async () => {
    dockerd = await startDockerd();
  });
  afterAll(async () => {
    await dockerd?.dispose();
  });

  test('restart() keeps a stopped container', async () => {
    const id = await importImage(dockerd, 'gatehouse-test/bed:restart');
    const created = await dockerd.docker(['create', '--network', 'none', id, 'true']);
    expect(created.code).toBe(0);
    const container = created.stdout.trim();
    await dockerd.restart();
    const r = await dockerd.docker(['ps', '-a', '--no-trunc', '--format', '{{.ID}}']);
    expect(r.stdout.trim().split('\n')).toContain(container);
    const started = await dockerd.docker(['start', '-a', container]);
    expect(started.code).toBe(0);
  });
});
