import { z } from 'zod';
import { digestProblem, type Digest } from '../digest.js';
import { trustPolicySchema } from './trust-schemas.js';
import { instanceSchema } from './instance-schemas.js';
import { plainText } from './plain-text.js';

/** Schemas for what crosses a boundary: the settings file, API requests, log records. */

export const digestSchema = z.string().transform((value, ctx) => {
  const problem = digestProblem(value);
  if (problem) {
    ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  }
  return value as Digest;
});

/**
 * Builds under prevention: `allow` (the default: a developer's `docker build` keeps working,
 * and every face warns that build steps are not decided) or `refuse` while enforcing.
 */
export const buildPolicySchema = z.enum(['allow', 'refuse']);
export type BuildPolicy = z.infer<typeof buildPolicySchema>;

export const modeSchema = z.enum(['enforce', 'quarantine', 'audit']);
export type Mode = z.infer<typeof modeSchema>;

export const entrySourceSchema = z.enum(['manual', 'import', 'instance', 'signature']);

export const labelSchema = z
  .string()
  .max(200, 'a label is at most 200 characters')
  .superRefine(plainText('a label'));

/** Who vouched for a digest that a verified signature added. */
export const signatureProvenanceSchema = z.object({
  policy: z.string(),
  validator: z.string(),
  signer: z.string(),
  verifiedAt: z.iso.datetime(),
});
export type SignatureProvenance = z.infer<typeof signatureProvenanceSchema>;

export const allowlistEntrySchema = z.object({
  digest: digestSchema,
  label: labelSchema.optional(),
  addedAt: z.iso.datetime(),
  source: entrySourceSchema,
  signature: signatureProvenanceSchema.optional(),
});
export type AllowlistEntry = z.infer<typeof allowlistEntrySchema>;

export const restartPolicySchema = z.object({
  Name: z.string(),
  MaximumRetryCount: z.number().int().optional(),
});

/** A container Gatehouse stopped and kept; Docker cannot label an existing container. */
export const quarantineRecordSchema = z.object({
  containerName: z.string(),
  imageId: z.string(),
  quarantinedAt: z.iso.datetime(),
  reason: z.string(),
  /** Restored when the container is released, so an approved container behaves as before. */
  restartPolicy: restartPolicySchema.optional(),
});
export type QuarantineRecord = z.infer<typeof quarantineRecordSchema>;

/**
 * zod's record skips a `__proto__` key without checking it (assigning it would replace the
 * result's prototype), so such an entry would pass unvalidated: it is refused instead.
 */
function recordOf<V extends z.ZodType>(value: V) {
  return z
    .unknown()
    .superRefine((input, ctx) => {
      if (typeof input === 'object' && input !== null && Object.hasOwn(input, '__proto__'))
        ctx.addIssue({ code: 'custom', message: 'the key "__proto__" is not allowed' });
    })
    .pipe(z.record(z.string(), value));
}

export const settingsSchema = z
  .object({
    schemaVersion: z.literal(1),
    enforcement: z.object({ enabled: z.boolean(), mode: modeSchema }).strict(),
    allowlist: z.array(allowlistEntrySchema),
    quarantine: recordOf(quarantineRecordSchema),
    trustPolicies: z.array(trustPolicySchema).default([]),
    /** Desktop notifications when a container is stopped, quarantined or (audit) would be. */
    notifications: z.object({ enabled: z.boolean() }).strict().default({ enabled: true }),
    /** Managed containers; files saved before them load with none. */
    instances: z.array(instanceSchema).default([]),
    /**
     * Prevention mode: `ask` a person before refusing a create of an unknown image; whether
     * `builds` may run while enforcing (their RUN steps run the base image's code unseen).
     */
    prevention: z
      .object({ ask: z.boolean(), builds: buildPolicySchema.default('allow') })
      .strict()
      .default({ ask: false, builds: 'allow' }),
  })
  .strict();
export type Settings = z.infer<typeof settingsSchema>;

/**
 * `prevented`: the authorization plugin refused a create, start, restart, unpause or exec
 * before anything ran (prevention mode); the other kinds are the reactive guard's.
 */
export const decisionKindSchema = z.enum([
  'allowed',
  'removed',
  'quarantined',
  'audited',
  'prevented',
]);
export type DecisionKind = z.infer<typeof decisionKindSchema>;

export const allowedBySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('entry'), digest: z.string(), label: z.string().optional() }),
  z.object({
    kind: z.literal('signature'),
    digest: z.string(),
    policy: z.string(),
    validator: z.string(),
    signer: z.string(),
  }),
  z.object({ kind: z.literal('instance'), digest: z.string(), instance: z.string() }),
]);
export type AllowedBy = z.infer<typeof allowedBySchema>;

export const decisionRecordSchema = z.object({
  time: z.iso.datetime(),
  containerId: z.string(),
  containerName: z.string(),
  imageRef: z.string(),
  imageId: z.string(),
  digests: z.array(z.string()),
  decision: decisionKindSchema,
  reason: z.string(),
  allowedBy: allowedBySchema.optional(),
  /**
   * What made Gatehouse look: a container event, a sweep, or (prevented) the refused request,
   * `authz:create`, `authz:start`, ... A prevented create has no container: its ID is ''.
   */
  trigger: z.string(),
  /** Set when the action itself failed, e.g. Docker refused to stop the container. */
  actionError: z.string().optional(),
});
export type DecisionRecord = z.infer<typeof decisionRecordSchema>;

export const connectionStateSchema = z.object({
  state: z.enum(['connecting', 'connected', 'disconnected']),
  dockerHost: z.string(),
  since: z.iso.datetime(),
  error: z.string().optional(),
  nextRetryAt: z.iso.datetime().optional(),
});
export type ConnectionState = z.infer<typeof connectionStateSchema>;
