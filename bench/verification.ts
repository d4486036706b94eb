import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DecisionRecord } from '../shared/api/schemas.js';
import type { TrustAnchor, TrustPolicy } from '../shared/api/trust-schemas.js';
import type { Digest } from '../shared/digest.js';
import { parseImageReference } from '../shared/image-reference.js';
import { Engine } from '../electron/engine/engine.js';
import type { ActionTimings } from '../electron/engine/enforcement/container-actions.js';
import { RegistryClient } from '../electron/engine/registry/registry-client.js';
import { defaultValidators } from '../electron/engine/signatures/default-validators.js';
import { VerificationService } from '../electron/engine/signatures/verification-service.js';
import { DEFAULT_SETTINGS, SettingsStore } from '../electron/engine/store/settings-store.js';
import { mustRun, runDetached } from '../test/env/containers.js';
import {
  createTestRekor,
  generateSigningKey,
  pushBundleReferrer,
  pushCosignSignatures,
  signBundle,
  signPayload,
  simpleSigningPayload,
} from '../test/env/cosign-signer.js';
import { startDockerd, type Dockerd } from '../test/env/dockerd.js';
import { importImage, pushImage } from '../test/env/images.js';
import { contentTrustCli } from '../test/env/content-trust-cli.js';
import { startNotaryServer, type NotaryServer } from '../test/env/notary-server.js';
import { createTestPki, pushNotationSignature, signJws } from '../test/env/notation-signer.js';
import { getManifest } from '../test/env/oci-push.js';
import { startRegistry, type Registry } from '../test/env/registry.js';
import { writeResults } from './results-file.js';
import { summarize } from './stats.js';

/**
 * The verification scenarios of `npm run bench`, written to bench/results/verification.json
 * (`BENCH_ONLY=verification node dist/bench/run.js` runs only these). Figures only: nothing
 * here passes or fails a build.
 *
 * 1. Cold verification per validator against a local registry and notary-server: every trial
 *    has a fresh RegistryClient, fresh validators and a fresh VerificationService (no token,
 *    manifest or failure caches) and fresh Node HTTP(S) agents (no pooled connection, no TLS
 *    session to resume). Anchor PEM parsing is memoised per process by the cosign validator,
 *    and one untimed warm-up trial per validator keeps module loading and JIT out of the figures.
 * 2. The decision once a digest is allowlisted: an enforcing engine admits one container of a
 *    signed image by its signature (its digest joins the allowlist), then the registry and the
 *    notary-server are stopped and more containers of that image are started, one at a time.
 */
const TRIALS = Number(process.env['BENCH_VERIFY_TRIALS'] ?? 30);
const ALLOWLISTED_RUNS = Number(process.env['BENCH_ALLOWLISTED_RUNS'] ?? 40);

type Kind = 'cosignKeyLegacy' | 'cosignKeyBundle' | 'notaryV1' | 'notationJws';

interface Signed {
  /** `host/path:tag` */
  ref: string;
  digest: Digest;
  anchor: TrustAnchor;
}

export async function runVerificationBench(): Promise<void> {
  const [dockerd, registry, notary] = await Promise.all([
    startDockerd(),
    startRegistry(),
    startNotaryServer(),
  ]);
  const workDir = mkdtempSync(join(tmpdir(), 'gh-bench-verify-'));
  try {
    const images = await publishSignedImages(dockerd, registry, notary, workDir);
    const coldVerification = await measureColdVerification(images);
    const allowlistedDecision = await measureAllowlistedDecision(
      dockerd,
      registry,
      notary,
      images.cosignKeyLegacy,
      workDir,
    );
    writeResults('verification', {
      docker: (await dockerd.docker(['version', '--format', '{{.Server.Version}}'])).stdout.trim(),
      coldVerification,
      allowlistedDecision,
    });
  } finally {
    await dockerd.dispose();
    await Promise.all([registry.stop(), notary.stop()]);
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** One image per mechanism, signed as the integration tests sign them, and its anchor. */
async function publishSignedImages(
  dockerd: Dockerd,
  registry: Registry,
  notary: NotaryServer,
  workDir: string,
): Promise<Record<Kind, Signed>> {
  const pushed = async (path: string) => {
    const ref = `${registry.host}/${path}:1`;
    await importImage(dockerd, ref);
    const digest = (await pushImage(dockerd, ref)) as Digest;
    return { ref, digest, repo: { host: registry.host, path }, name: `${registry.host}/${path}` };
  };
  const key = generateSigningKey();

  // cosign sign --key, legacy layout: the `sha256-<hex>.sig` tag.
  const legacy = await pushed('bench/cosign-legacy');
  await pushCosignSignatures(legacy.repo, legacy.digest, [
    signPayload(key, simpleSigningPayload(legacy.name, legacy.digest)),
  ]);

  // cosign sign --key with a Sigstore bundle, logged in a test Rekor, attached as a referrer.
  const rekor = createTestRekor();
  const bundled = await pushed('bench/cosign-bundle');
  await pushBundleReferrer(
    bundled.repo,
    bundled.digest,
    signBundle(key, rekor, { repository: bundled.name, imageDigest: bundled.digest }),
  );

  // notation sign (JWS), attached as a referrer.
  const pki = createTestPki('ec');
  const notation = await pushed('bench/notation-jws');
  const manifest = await getManifest(notation.repo, notation.digest);
  if (!manifest) throw new Error('pushed manifest not found');
  await pushNotationSignature(
    notation.repo,
    notation.digest,
    signJws({
      pki,
      target: {
        digest: notation.digest,
        size: manifest.bytes.length,
        mediaType: manifest.mediaType,
      },
    }),
    'application/jose+json',
  );

  const dct = await pushWithContentTrust(dockerd, registry, notary, workDir);

  return {
    cosignKeyLegacy: {
      ref: legacy.ref,
      digest: legacy.digest,
      anchor: { kind: 'cosign-key', publicKey: key.publicKeyPem },
    },
    cosignKeyBundle: {
      ref: bundled.ref,
      digest: bundled.digest,
      anchor: {
        kind: 'cosign-key',
        publicKey: key.publicKeyPem,
        rekorPublicKey: rekor.key.publicKeyPem,
      },
    },
    notaryV1: dct,
    notationJws: {
      ref: notation.ref,
      digest: notation.digest,
      anchor: { kind: 'notation', certificates: pki.rootPem, trustedIdentities: ['*'] },
    },
  };
}

/**
 * `docker push` with Docker Content Trust on (as test/integration/content-trust.test.ts): the
 * CLI signs the tag into the notary-server; the anchor pins the root key file's ID.
 */
async function pushWithContentTrust(
  dockerd: Dockerd,
  registry: Registry,
  notary: NotaryServer,
  workDir: string,
): Promise<Signed> {
  const cli = await contentTrustCli(dockerd, notary, workDir);
  const ref = `${registry.host}/bench/notary-v1:1`;
  await importImage(dockerd, ref);
  const digest = await cli.signedPush(ref);
  const rootKey = await cli.rootKeyId();
  await cli.dispose();
  return {
    ref,
    digest: digest as Digest,
    anchor: { kind: 'notary-v1', server: notary.url, rootKey, ca: notary.caPem },
  };
}

/** Trials interleaved across validators, so a drift in machine load hits them all alike. */
async function measureColdVerification(images: Record<Kind, Signed>) {
  const kinds = Object.keys(images) as Kind[];
  const samples = Object.fromEntries(kinds.map((k) => [k, [] as number[]])) as Record<
    Kind,
    number[]
  >;
  const verified = Object.fromEntries(kinds.map((k) => [k, 0])) as Record<Kind, number>;
  const failures: string[] = [];
  const policies = Object.fromEntries(
    kinds.map((k): [Kind, TrustPolicy] => [
      k,
      {
        name: 'bench',
        scope: parseImageReference(images[k].ref).repository,
        threshold: 1,
        anchors: [images[k].anchor],
        addedAt: new Date().toISOString(),
      },
    ]),
  ) as Record<Kind, TrustPolicy>;

  const trial = async (kind: Kind) => {
    // Fresh agents: no socket kept alive and no TLS session cached from an earlier trial.
    http.globalAgent.destroy();
    https.globalAgent.destroy();
    http.globalAgent = new http.Agent({ keepAlive: true, scheduling: 'lifo', timeout: 5_000 });
    https.globalAgent = new https.Agent({ keepAlive: true, scheduling: 'lifo', timeout: 5_000 });
    const { ref, digest } = images[kind];
    const registry = new RegistryClient({ credentials: async () => undefined });
    const service = new VerificationService(registry, defaultValidators());
    const started = performance.now();
    const verdict = await service.verify(policies[kind], parseImageReference(ref), digest);
    return { ms: performance.now() - started, verdict };
  };

  const firstTrialMs = {} as Record<Kind, number>;
  for (const kind of kinds) firstTrialMs[kind] = Math.round((await trial(kind)).ms * 10) / 10;
  for (let i = 0; i < TRIALS; i++) {
    for (const kind of kinds) {
      const { ms, verdict } = await trial(kind);
      samples[kind].push(ms);
      if (verdict.ok) verified[kind]++;
      else if (failures.length < 5) failures.push(`${kind}: ${verdict.reason}`);
    }
  }
  const perValidator = Object.fromEntries(
    kinds.map((k) => [
      k,
      {
        anchorKind: images[k].anchor.kind,
        image: images[k].ref,
        trials: TRIALS,
        verified: verified[k],
        durationMs: summarize(samples[k]),
        warmUpTrialMs: firstTrialMs[k],
      },
    ]),
  );
  return {
    what: 'VerificationService.verify() wall time per trial, fresh client/validators/service/HTTP agents',
    registry: 'local docker-registry over HTTP, no auth',
    notaryServer: 'local notary-server over HTTPS, in-memory storage',
    ...perValidator,
    ...(failures.length ? { failures } : {}),
  };
}

interface Decided {
  name: string;
  record: DecisionRecord;
  timings: ActionTimings;
  /** Wall clock when the `decision` event was emitted (ms since the epoch). */
  emittedAt: number;
}

async function measureAllowlistedDecision(
  dockerd: Dockerd,
  registry: Registry,
  notary: NotaryServer,
  image: Signed,
  workDir: string,
) {
  const configDir = join(workDir, 'config');
  SettingsStore.open(configDir).update(() => ({
    ...DEFAULT_SETTINGS,
    enforcement: { enabled: true, mode: 'enforce' },
    allowlist: [],
  }));
  const engine = Engine.open({
    configDir,
    dockerHost: dockerd.host,
    registry: { credentials: async () => undefined },
  });
  const decided: Decided[] = [];
  engine.on('decision', (record, timings) =>
    decided.push({
      name: record.containerName,
      record,
      timings,
      emittedAt: performance.timeOrigin + performance.now(),
    }),
  );
  const problems: string[] = [];
  engine.on('problem', (error) => problems.push(error.message));
  const ready = once(engine, 'ready');
  await engine.start();
  await ready;
  try {
    await engine.addTrustPolicy({
      name: 'bench',
      scope: parseImageReference(image.ref).repository,
      anchors: [image.anchor],
    });

    // The first container is admitted by its signature, verified at its create event.
    await mustRun(dockerd, 'verified-first', image.ref);
    const first = await waitFor(
      () => decided.find((d) => d.name === 'verified-first' && d.record.decision === 'allowed'),
      'the first container to be admitted',
    );
    await waitFor(
      () => engine.store.get().allowlist.some((e) => e.digest === image.digest) || undefined,
      'the verified digest on the allowlist',
    );

    // From here any network use by a verification would fail.
    await Promise.all([registry.stop(), notary.stop()]);
    const [host, port] = registry.host.split(':');
    const reachableAfterStop = {
      registry: await portOpen(host ?? '127.0.0.1', Number(port)),
      notaryServer: await portOpen('127.0.0.1', notary.port),
    };

    const problemsBefore = problems.length;
    const latencies: number[] = [];
    const outcomes: DecisionRecord['decision'][] = [];
    const allowedBy: Record<string, number> = {};
    const triggers: Record<string, number> = {};
    let undecided = 0;
    for (let i = 0; i < ALLOWLISTED_RUNS; i++) {
      const name = `allowlisted-${i}`;
      await runDetached(dockerd, name, image.ref);
      const d = await waitFor(
        () => decided.find((x) => x.name === name),
        `a decision on ${name}`,
      ).catch(() => undefined);
      if (!d) {
        undecided++;
        continue;
      }
      outcomes.push(d.record.decision);
      const by = d.record.allowedBy?.kind ?? 'none';
      allowedBy[by] = (allowedBy[by] ?? 0) + 1;
      triggers[d.record.trigger] = (triggers[d.record.trigger] ?? 0) + 1;
      if (d.timings.eventAt !== undefined) latencies.push(d.emittedAt - d.timings.eventAt);
    }
    // Let any late second decision (e.g. a refusal after the allowed one) arrive.
    await new Promise((r) => setTimeout(r, 500));
    const ours = decided.filter((d) => d.name.startsWith('allowlisted-'));
    const running = (await dockerd.docker(['ps', '-q', '--filter', 'name=allowlisted-'])).stdout
      .trim()
      .split('\n')
      .filter(Boolean).length;
    const allowed = outcomes.filter((o) => o === 'allowed').length;
    return {
      what: 'start event received -> `decision` event emitted, for containers of an allowlisted digest, registry and notary-server stopped',
      image: image.ref,
      validator: image.anchor.kind,
      firstRun: {
        trigger: first.record.trigger,
        allowedBy: first.record.allowedBy?.kind ?? 'none',
        eventToAllowedMs:
          first.timings.eventAt === undefined
            ? null
            : Math.round((first.emittedAt - first.timings.eventAt) * 10) / 10,
      },
      reachableAfterStop,
      containers: ALLOWLISTED_RUNS,
      decisions: ours.length,
      undecided,
      allowed,
      allowedBy,
      triggers,
      allAllowed:
        allowed === ALLOWLISTED_RUNS && ours.every((d) => d.record.decision === 'allowed'),
      runningAfterwards: running,
      engineProblems: problems.length - problemsBefore,
      eventToAllowed: summarize(latencies),
    };
  } finally {
    await engine.stop();
  }
}

async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolvePort(true);
    });
    socket.once('error', () => resolvePort(false));
  });
}
