import { imagePatternProblem } from '../../../shared/image-reference.js';
import type { AnchorKind, ApiRequest, TrustAnchor } from '../api/types.js';

export const ANCHOR_KINDS: readonly { kind: AnchorKind; label: string; hint: string }[] = [
  {
    kind: 'cosign-key',
    label: 'Cosign public key',
    hint: 'Signatures made with cosign sign --key: paste the PEM public key (cosign.pub).',
  },
  {
    kind: 'cosign-keyless',
    label: 'Cosign keyless (Sigstore)',
    hint: 'Signatures made with an OIDC identity, checked against the Sigstore public-good root.',
  },
  {
    kind: 'notary-v1',
    label: 'Docker Content Trust (Notary)',
    hint: 'Images signed with docker trust sign, checked on a Notary v1 server.',
  },
  {
    kind: 'notation',
    label: 'Notation',
    hint: 'Notary Project signatures (JWS or COSE), checked against your CA or signing certificate.',
  },
];

/** What the Add policy form edits: one anchor's fields, all kept while the kind changes. */
export interface AnchorDraft {
  id: number;
  kind: AnchorKind;
  publicKey: string;
  rekorPublicKey: string;
  identity: string;
  identityMatch: 'exact' | 'regex';
  issuer: string;
  trustedRoot: string;
  server: string;
  rootKey: string;
  ca: string;
  certificates: string;
  trustedIdentities: string;
}

export interface PolicyDraft {
  name: string;
  scope: string;
  /** From a number input: a number, or empty (null/undefined/'') when not given. */
  threshold: number | string | null | undefined;
  anchors: AnchorDraft[];
}

let nextAnchorId = 1;

export function newAnchor(kind: AnchorKind = 'cosign-key'): AnchorDraft {
  return {
    id: nextAnchorId++,
    kind,
    publicKey: '',
    rekorPublicKey: '',
    identity: '',
    identityMatch: 'exact',
    issuer: '',
    trustedRoot: '',
    server: '',
    rootKey: '',
    ca: '',
    certificates: '',
    trustedIdentities: '',
  };
}

export function newPolicyDraft(): PolicyDraft {
  return { name: '', scope: '', threshold: '', anchors: [newAnchor()] };
}

/** The fields the engine's problems can name (`anchors.0.issuer: ...`). */
export function policyFields(draft: PolicyDraft): string[] {
  const fields = ['name', 'scope', 'threshold', 'anchors'];
  draft.anchors.forEach((_, i) => {
    fields.push(`anchors.${i}`);
    for (const f of [
      'publicKey',
      'rekorPublicKey',
      'identity',
      'issuer',
      'trustedRoot',
      'server',
      'rootKey',
      'ca',
      'certificates',
      'trustedIdentities',
    ])
      fields.push(`anchors.${i}.${f}`);
  });
  return fields;
}

const PEM = '-----BEGIN ';

function isUrl(text: string, protocol?: string): boolean {
  try {
    const url = new URL(text);
    return protocol ? url.protocol === protocol : /^https?:$/.test(url.protocol);
  } catch {
    return false;
  }
}

function anchorOf(
  draft: AnchorDraft,
  at: string,
  problem: (field: string, message: string) => void,
): TrustAnchor | undefined {
  const t = (s: string) => s.trim();
  switch (draft.kind) {
    case 'cosign-key': {
      if (!t(draft.publicKey).includes(PEM))
        problem(`${at}.publicKey`, 'paste the public key as PEM text (-----BEGIN PUBLIC KEY-----)');
      if (t(draft.rekorPublicKey) && !t(draft.rekorPublicKey).includes(PEM))
        problem(`${at}.rekorPublicKey`, 'the Rekor public key must be PEM text');
      return {
        kind: 'cosign-key',
        publicKey: t(draft.publicKey),
        ...(t(draft.rekorPublicKey) ? { rekorPublicKey: t(draft.rekorPublicKey) } : {}),
      };
    }
    case 'cosign-keyless': {
      if (!t(draft.identity))
        problem(`${at}.identity`, 'give the signer identity, e.g. release@acme.com');
      if (draft.identityMatch === 'regex' && t(draft.identity)) {
        try {
          new RegExp(t(draft.identity));
        } catch {
          problem(`${at}.identity`, 'this is not a valid regular expression');
        }
      }
      if (!isUrl(t(draft.issuer)))
        problem(
          `${at}.issuer`,
          'the OIDC issuer is a URL, e.g. https://token.actions.githubusercontent.com',
        );
      const identity =
        draft.identityMatch === 'regex'
          ? { regex: t(draft.identity) }
          : { exact: t(draft.identity) };
      return {
        kind: 'cosign-keyless',
        identity,
        issuer: t(draft.issuer),
        ...(t(draft.trustedRoot) ? { trustedRoot: t(draft.trustedRoot) } : {}),
      };
    }
    case 'notary-v1': {
      if (!isUrl(t(draft.server), 'https:'))
        problem(`${at}.server`, 'a Notary server URL starts with https://');
      if (!t(draft.rootKey))
        problem(`${at}.rootKey`, 'give the root key: its key ID, or a PEM certificate or key');
      if (t(draft.ca) && !t(draft.ca).includes(PEM)) problem(`${at}.ca`, 'the CA must be PEM text');
      return {
        kind: 'notary-v1',
        server: t(draft.server),
        rootKey: t(draft.rootKey),
        ...(t(draft.ca) ? { ca: t(draft.ca) } : {}),
      };
    }
    case 'notation': {
      if (!t(draft.certificates).includes(PEM))
        problem(`${at}.certificates`, 'paste the certificates as PEM text');
      const identities = draft.trustedIdentities
        .split(/\r?\n/)
        .map((s) => s.trim())
        .filter(Boolean);
      return {
        kind: 'notation',
        certificates: t(draft.certificates),
        trustedIdentities: identities.length > 0 ? identities : ['*'],
      };
    }
  }
}

export type PolicyPlan =
  | { ok: true; request: ApiRequest<'trust.add'> }
  | { ok: false; problems: Record<string, string[]> };

/** Checks the form as the engine would, so most mistakes are shown before anything is sent. */
export function planTrustPolicy(draft: PolicyDraft): PolicyPlan {
  const problems: Record<string, string[]> = {};
  const problem = (field: string, message: string) => (problems[field] ??= []).push(message);
  const scope = draft.scope.trim();
  const scopeProblem = scope
    ? imagePatternProblem(scope)
    : 'give the images this policy covers, e.g. ghcr.io/acme/**';
  if (scopeProblem) problem('scope', scopeProblem);
  const name = draft.name.trim();
  if (name && !/^[a-z0-9][a-z0-9._-]{0,62}$/.test(name))
    problem('name', 'a policy name is 1-63 lowercase letters, digits, ".", "_" or "-"');
  let threshold: number | undefined;
  const thresholdText = String(draft.threshold ?? '').trim();
  if (thresholdText) {
    threshold = Number(thresholdText);
    if (!Number.isInteger(threshold) || threshold < 1)
      problem('threshold', 'the threshold is a whole number, 1 or more');
    else if (threshold > draft.anchors.length)
      problem(
        'threshold',
        `the threshold cannot exceed the number of anchors (${draft.anchors.length})`,
      );
  }
  if (draft.anchors.length === 0) problem('anchors', 'give at least one trust anchor');
  const anchors = draft.anchors.flatMap((a, i) => anchorOf(a, `anchors.${i}`, problem) ?? []);
  if (Object.keys(problems).length > 0) return { ok: false, problems };
  return {
    ok: true,
    request: {
      scope,
      anchors,
      ...(name ? { name } : {}),
      ...(threshold !== undefined ? { threshold } : {}),
    },
  };
}

export function describeAnchor(anchor: TrustAnchor): string {
  switch (anchor.kind) {
    case 'cosign-key':
      return `Cosign public key${anchor.rekorPublicKey ? ' + Rekor' : ''}`;
    case 'cosign-keyless': {
      const who = 'exact' in anchor.identity ? anchor.identity.exact : `/${anchor.identity.regex}/`;
      return `Cosign keyless: ${who} via ${anchor.issuer}`;
    }
    case 'notary-v1':
      return `Notary: ${anchor.server}`;
    case 'notation':
      return `Notation: ${anchor.trustedIdentities.join('; ')}`;
  }
}
