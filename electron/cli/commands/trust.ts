import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import {
  NOTARY_ROOT_MAX_LENGTH,
  PEM_MAX_LENGTH,
  TRUSTED_ROOT_MAX_LENGTH,
  type TrustAnchor,
} from '../../../shared/api/trust-schemas.js';
import { callApi, type CliContext } from '../api-access.js';
import { printJson, readInput, shown } from '../output.js';
import { positiveInt, UsageError } from '../arguments.js';

/** Exit code of `gatehouse verify` when the image does not verify. */
export const EXIT_NOT_VERIFIED = 4;

interface TrustAddOptions {
  scope: string;
  name?: string;
  threshold?: number;
  cosignKey: string[];
  rekorKey?: string;
  keylessIdentity?: string;
  keylessIdentityRegexp?: string;
  keylessIssuer?: string;
  trustedRoot?: string;
  notaryServer?: string;
  notaryRoot?: string;
  notaryCa?: string;
  notationCert: string[];
  notationIdentity: string[];
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerTrustCommands(program: Command, ctx: () => CliContext): void {
  const trust = program
    .command('trust')
    .description('trust policies: which publishers vouch for which images');
  trust
    .command('add')
    .description(
      'add a policy: images matching --scope run if a signature by one of its anchors verifies',
    )
    .requiredOption(
      '--scope <pattern>',
      'images covered, e.g. ghcr.io/acme/** or 127.0.0.1:5000/team/*',
    )
    .option('--name <name>', 'policy name (default: from the scope)')
    .option('--threshold <n>', 'how many anchors must verify (default 1)', positiveInt)
    .option('--cosign-key <file>', 'cosign public key (PEM); repeat for several keys', collect, [])
    .option('--rekor-key <file>', 'also require a Rekor SET made with this key (cosign keys)')
    .option(
      '--keyless-identity <id>',
      'cosign keyless: the exact certificate identity (email or URI)',
    )
    .option(
      '--keyless-identity-regexp <re>',
      'cosign keyless: identity as a regular expression (anchored)',
    )
    .option('--keyless-issuer <url>', 'cosign keyless: the OIDC issuer')
    .option(
      '--trusted-root <file>',
      'cosign keyless: a trusted_root.json instead of the public-good one',
    )
    .option('--notary-server <url>', 'Docker Content Trust: the Notary server (https://...)')
    .option(
      '--notary-root <file|keyid>',
      'Docker Content Trust: the pinned root key (PEM file or key ID)',
    )
    .option('--notary-ca <file>', "Docker Content Trust: CA of the Notary server's certificate")
    .option(
      '--notation-cert <file>',
      'Notation: trust store certificate (PEM); repeatable',
      collect,
      [],
    )
    .option(
      '--notation-identity <subject>',
      'Notation: trusted x509 subject (default any); repeatable',
      collect,
      [],
    )
    .action(async (o: TrustAddOptions) => {
      const anchors = await anchorsFrom(o);
      const { result } = await callApi(ctx(), 'trust.add', {
        scope: o.scope,
        anchors,
        ...(o.name ? { name: o.name } : {}),
        ...(o.threshold ? { threshold: o.threshold } : {}),
      });
      console.log(
        shown`added trust policy "${result.name}" for ${result.scope}: ${describeAnchors(result.anchors)}`,
      );
    });
  trust
    .command('list')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const { result } = await callApi(ctx(), 'trust.list', {});
      if (o.json) return printJson(result);
      if (!result.length) console.log('no trust policies: only allowlisted digests may run');
      for (const p of result)
        console.log(shown`${p.name}  ${p.scope}  ${p.threshold} of ${describeAnchors(p.anchors)}`);
    });
  trust
    .command('remove')
    .argument('<name>')
    .action(async (name: string) => {
      await callApi(ctx(), 'trust.remove', { name });
      console.log(shown`removed trust policy "${name}"`);
    });

  program
    .command('verify')
    .description(
      'verify an image in its registry under its trust policy; exit 0 if valid, 4 if not',
    )
    .argument('<image>', 'e.g. ghcr.io/acme/api:1.4 or ...@sha256:...')
    .option('--json', 'print JSON')
    .action(async (image: string, o: { json?: boolean }) => {
      const { result } = await callApi(ctx(), 'verify.run', { image });
      if (o.json) printJson(result);
      else if (result.ok) {
        console.log(
          shown`verified ${result.image}@${result.digest} under trust policy "${result.policy}"`,
        );
        for (const v of result.verdicts.filter((x) => x.ok))
          console.log(shown`  signed: ${v.kind} ${v.signer ?? ''}`);
      } else {
        const digest = result.digest ? `@${result.digest}` : '';
        console.log(shown`NOT verified: ${result.image}${digest}: ${result.reason}`);
      }
      process.exitCode = result.ok ? 0 : EXIT_NOT_VERIFIED;
    });
}

const PEM = { maxBytes: PEM_MAX_LENGTH, what: 'a PEM key or certificate' };

async function anchorsFrom(o: TrustAddOptions): Promise<TrustAnchor[]> {
  const rekorPublicKey = o.rekorKey ? await readInput(o.rekorKey, PEM) : undefined;
  const anchors: TrustAnchor[] = [];
  for (const file of o.cosignKey)
    anchors.push({
      kind: 'cosign-key',
      publicKey: await readInput(file, PEM),
      ...(rekorPublicKey ? { rekorPublicKey } : {}),
    });
  if (o.keylessIdentity || o.keylessIdentityRegexp || o.keylessIssuer) {
    if (o.keylessIdentity && o.keylessIdentityRegexp)
      throw new UsageError(
        'give either --keyless-identity (the exact identity) or --keyless-identity-regexp (an expression), not both',
      );
    const identity = o.keylessIdentity
      ? { exact: o.keylessIdentity }
      : o.keylessIdentityRegexp
        ? { regex: o.keylessIdentityRegexp }
        : undefined;
    if (!identity || !o.keylessIssuer)
      throw new UsageError(
        'cosign keyless needs --keyless-identity (or --keyless-identity-regexp) and --keyless-issuer',
      );
    const trustedRoot = o.trustedRoot
      ? await readInput(o.trustedRoot, {
          maxBytes: TRUSTED_ROOT_MAX_LENGTH,
          what: 'a trusted root',
        })
      : undefined;
    anchors.push({
      kind: 'cosign-keyless',
      identity,
      issuer: o.keylessIssuer,
      ...(trustedRoot ? { trustedRoot } : {}),
    });
  }
  if (o.notaryServer || o.notaryRoot) {
    if (!o.notaryServer || !o.notaryRoot)
      throw new UsageError('Docker Content Trust needs both --notary-server and --notary-root');
    anchors.push({
      kind: 'notary-v1',
      server: o.notaryServer,
      rootKey: existsSync(o.notaryRoot)
        ? await readInput(o.notaryRoot, {
            maxBytes: NOTARY_ROOT_MAX_LENGTH,
            what: 'a Notary root key',
          })
        : o.notaryRoot,
      ...(o.notaryCa ? { ca: await readInput(o.notaryCa, PEM) } : {}),
    });
  }
  for (const file of o.notationCert)
    anchors.push({
      kind: 'notation',
      certificates: await readInput(file, PEM),
      trustedIdentities: o.notationIdentity.length ? o.notationIdentity : ['*'],
    });
  if (!anchors.length)
    throw new UsageError(
      'give a trust anchor: --cosign-key FILE, --keyless-identity ID --keyless-issuer URL, --notary-server URL --notary-root FILE, or --notation-cert FILE',
    );
  return anchors;
}

function describeAnchors(anchors: readonly TrustAnchor[]): string {
  return anchors
    .map((a) => {
      switch (a.kind) {
        case 'cosign-key':
          return 'cosign key';
        case 'cosign-keyless':
          return `cosign keyless ${'exact' in a.identity ? a.identity.exact : `/${a.identity.regex}/`} (${a.issuer})`;
        case 'notary-v1':
          return `Notary ${a.server}`;
        case 'notation':
          return 'Notation certificate';
      }
    })
    .join(', ');
}
