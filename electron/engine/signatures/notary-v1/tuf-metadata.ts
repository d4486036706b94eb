import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from './canonical-json.js';

/** Trust data that must not be used; the message is the reason shown to the user. */
export class TrustDataError extends Error {
  override name = 'TrustDataError';
}

// Go writes time.Time as RFC 3339 with up to nanoseconds and a zone offset.
const GO_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** Parses Go's time format; digits beyond milliseconds are dropped. */
export function parseGoTime(text: string): Date | undefined {
  const m = GO_TIME.exec(text);
  if (!m) return undefined;
  const millis = (m[2] ?? '').padEnd(3, '0').slice(0, 3);
  const time = new Date(`${m[1]}.${millis}${m[3]}`);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

const goTime = z.string().transform((text, ctx) => {
  const time = parseGoTime(text);
  if (time) return time;
  ctx.issues.push({ code: 'custom', message: 'not an RFC 3339 time', input: text });
  return z.NEVER;
});

// Go writes a nil slice or map as null.
const list = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .nullish()
    .transform((v) => v ?? []);
const dict = <T extends z.ZodType>(value: T) =>
  z
    .record(z.string(), value)
    .nullish()
    .transform((v) => v ?? {});

const tufKeySchema = z.object({
  keytype: z.string(),
  // Notary writes `"private": null` in public metadata and hashes it into the key ID.
  keyval: z.object({ public: z.base64(), private: z.null().optional() }),
});
export type TufKey = z.infer<typeof tufKeySchema>;

const signatureSchema = z.object({ keyid: z.string(), method: z.string(), sig: z.base64() });

const envelopeSchema = z.object({
  signed: z.record(z.string(), z.unknown()),
  signatures: list(signatureSchema),
});

const fileMetaSchema = z.object({ length: z.int().nonnegative(), hashes: dict(z.base64()) });
export type FileMeta = z.infer<typeof fileMetaSchema>;

const thresholdRoleSchema = z.object({ keyids: list(z.string()), threshold: z.int().min(1) });
export type ThresholdRole = z.infer<typeof thresholdRoleSchema>;

const common = { version: z.int().nonnegative(), expires: goTime };

export const rootSchema = z.object({
  _type: z.literal('Root'),
  ...common,
  keys: dict(tufKeySchema),
  roles: z.object({
    root: thresholdRoleSchema,
    targets: thresholdRoleSchema,
    snapshot: thresholdRoleSchema,
    timestamp: thresholdRoleSchema,
  }),
});
export type Root = z.infer<typeof rootSchema>;

export const timestampSchema = z.object({
  _type: z.literal('Timestamp'),
  ...common,
  meta: z.object({ snapshot: fileMetaSchema }),
});

export const snapshotSchema = z.object({
  _type: z.literal('Snapshot'),
  ...common,
  meta: dict(fileMetaSchema),
});

const delegationSchema = thresholdRoleSchema.extend({ name: z.string(), paths: list(z.string()) });

export const targetsSchema = z.object({
  _type: z.literal('Targets'),
  ...common,
  targets: dict(fileMetaSchema),
  delegations: z
    .object({ keys: dict(tufKeySchema), roles: list(delegationSchema) })
    .nullish()
    .transform((v) => v ?? { keys: {}, roles: [] }),
});

/** A record's own entry: metadata keys are untrusted and may be "constructor" or "__proto__". */
export function entry<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

export interface SignedMetadata<T> {
  signed: T;
  signatures: z.infer<typeof signatureSchema>[];
  /** The bytes the signatures are over. */
  canonical: Uint8Array;
}

/** Decodes one metadata file (`file` names it in errors, e.g. "targets.json"). */
export function parseSignedMetadata<T>(
  file: string,
  bytes: Uint8Array,
  schema: z.ZodType<T>,
): SignedMetadata<T> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes));
  } catch (error) {
    throw new TrustDataError(`${file} is not valid JSON (${(error as Error).message})`);
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success)
    throw new TrustDataError(`${file} is not signed TUF metadata: ${describe(envelope.error)}`);
  const signed = schema.safeParse(envelope.data.signed);
  if (!signed.success) throw new TrustDataError(`${file} is malformed: ${describe(signed.error)}`);
  let canonical: Uint8Array;
  try {
    // The raw value, not zod's output: zod drops unknown fields, which are signed too.
    canonical = canonicalJson((json as { signed: unknown }).signed);
  } catch (error) {
    throw new TrustDataError(`${file} cannot be canonicalised (${(error as Error).message})`);
  }
  return { signed: signed.data, signatures: envelope.data.signatures, canonical };
}

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(top level)'}: ${issue.message}`)
    .join('; ');
}

const HASH_LENGTHS = { sha256: 32, sha512: 64 } as const;

/** Checks a file against the length and hashes another signed file lists for it. */
export function checkFileMeta(
  file: string,
  bytes: Uint8Array,
  meta: FileMeta,
  listedIn: string,
): void {
  if (bytes.length !== meta.length)
    throw new TrustDataError(
      `${file} is ${bytes.length} bytes but ${listedIn} says ${meta.length} (length mismatch): the server's trust data is inconsistent or was altered`,
    );
  let checked = 0;
  for (const [algorithm, size] of Object.entries(HASH_LENGTHS)) {
    const expected = entry(meta.hashes, algorithm);
    if (expected === undefined) continue;
    const want = Buffer.from(expected, 'base64');
    const got = createHash(algorithm).update(bytes).digest();
    if (want.length !== size || !got.equals(want))
      throw new TrustDataError(
        `${file} does not match its ${algorithm} hash in ${listedIn} (hash mismatch): the server's trust data is inconsistent or was altered after signing`,
      );
    checked++;
  }
  if (checked === 0)
    throw new TrustDataError(`${listedIn} lists no sha256 or sha512 hash for ${file}`);
}
