import { z } from 'zod';
import { imagePatternProblem } from '../image-reference.js';
import { plainText } from './plain-text.js';

/**
 * Trust policies: which publishers may vouch for which images. An image whose digest is not
 * on the allowlist is verified against the most specific policy whose scope matches it; with
 * no matching policy there is no anchor, and the image is not allowed.
 */

// Any PEM private key block: PRIVATE KEY, EC PRIVATE KEY, ENCRYPTED PRIVATE KEY, ...
const PRIVATE_KEY_BLOCK = /-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----/;

/**
 * Refuses text holding a private key: settings.json and `trust list` would keep and show it.
 * The message names the block, never its content.
 */
const noPrivateKey = (what: string) => (value: string, ctx: z.core.$RefinementCtx<string>) => {
  const block = PRIVATE_KEY_BLOCK.exec(value)?.[1];
  if (block !== undefined)
    ctx.addIssue({
      code: 'custom',
      message: `${what} holds a private key (a "${block}" block): give only the public part; a private key is never stored`,
    });
};

/** Input bounds, also the most the CLI reads of each file. */
export const PEM_MAX_LENGTH = 256 * 1024;
export const TRUSTED_ROOT_MAX_LENGTH = 1024 * 1024;
export const NOTARY_ROOT_MAX_LENGTH = 64 * 1024;

const pem = (what: string) =>
  z
    .string()
    .max(PEM_MAX_LENGTH, `${what} is at most 256 KB`)
    .refine((s) => s.includes('-----BEGIN '), `${what} must be PEM text (-----BEGIN ...)`)
    .superRefine(noPrivateKey(what));

/** Bounds the work of matching an identity: the expression runs on every keyless signature. */
export const MAX_IDENTITY_PATTERN_LENGTH = 1024;

const identityText = (what: string) =>
  z
    .string()
    .min(1)
    .max(
      MAX_IDENTITY_PATTERN_LENGTH,
      `${what} is at most ${MAX_IDENTITY_PATTERN_LENGTH} characters`,
    )
    .superRefine(plainText(what));

export const identityPatternSchema = z.union([
  z.object({ exact: identityText('a keyless identity') }).strict(),
  z.object({ regex: identityText('a keyless identity expression') }).strict(),
]);

export const trustAnchorSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('cosign-key'),
      publicKey: pem('a cosign public key'),
      /** When set, a signature must also carry a Rekor SET made with this key. */
      rekorPublicKey: pem('a Rekor public key').optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('cosign-keyless'),
      identity: identityPatternSchema,
      issuer: z
        .url({
          message: 'the OIDC issuer is a URL, e.g. https://token.actions.githubusercontent.com',
        })
        .max(1024)
        .superRefine(plainText('the OIDC issuer')),
      /** A custom trusted_root.json (JSON text); the public-good root when absent. */
      trustedRoot: z
        .string()
        .max(TRUSTED_ROOT_MAX_LENGTH)
        .superRefine(noPrivateKey('the trusted root'))
        .optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('notary-v1'),
      server: z
        .url({ protocol: /^https$/, message: 'a Notary server URL starts with https://' })
        .max(1024)
        .superRefine(plainText('a Notary server URL')),
      /** The pinned root key: its key ID, or a PEM certificate or public key. */
      rootKey: z
        .string()
        .min(1)
        .max(NOTARY_ROOT_MAX_LENGTH)
        .superRefine(noPrivateKey('the Notary root key')),
      ca: pem('a Notary server CA').optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('notation'),
      /** The trust store: PEM CA or signing certificates. */
      certificates: pem('a Notation certificate'),
      /** x509 subjects allowed to sign (e.g. "C=US, O=Acme, CN=release"); ["*"] for any. */
      trustedIdentities: z
        .array(z.string().min(1).max(1024).superRefine(plainText('a Notation identity')))
        .min(1)
        .max(64)
        .default(['*']),
    })
    .strict(),
]);
export type TrustAnchor = z.infer<typeof trustAnchorSchema>;
export type AnchorKind = TrustAnchor['kind'];

export const policyNameSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]{0,62}$/,
    'a policy name is 1-63 lowercase letters, digits, ".", "_" or "-"',
  );

export const imagePatternSchema = z.string().superRefine((value, ctx) => {
  const problem = imagePatternProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const trustPolicySchema = z
  .object({
    name: policyNameSchema,
    scope: imagePatternSchema,
    /** How many of the anchors must each verify a signature ("2 of these keys"). */
    threshold: z.number().int().min(1).default(1),
    anchors: z.array(trustAnchorSchema).min(1, 'a policy needs at least one trust anchor'),
    addedAt: z.iso.datetime(),
  })
  .strict()
  .refine((p) => p.threshold <= p.anchors.length, {
    message: 'the threshold cannot exceed the number of anchors',
    path: ['threshold'],
  });
export type TrustPolicy = z.infer<typeof trustPolicySchema>;
