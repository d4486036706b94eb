import { z } from 'zod';
import type {
  AllowlistEntry,
  BuildPolicy,
  ConnectionState,
  DecisionRecord,
  Mode,
} from './schemas.js';
import { buildPolicySchema, labelSchema, modeSchema } from './schemas.js';
import {
  imagePatternSchema,
  policyNameSchema,
  trustAnchorSchema,
  type AnchorKind,
  type TrustPolicy,
} from './trust-schemas.js';
import { instanceRequestSchemas, type InstanceResults } from './instance-schemas.js';
import type { ApiChannel, ApiEventName } from './channel-map.js';
import { connectionStateSchema, decisionRecordSchema } from './schemas.js';

export {
  apiChannels,
  apiEventNames,
  isApiChannel,
  isApiEventName,
  type ApiChannel,
  type ApiEventName,
} from './channel-map.js';

/**
 * The one API contract every face uses (CLI over the control socket, Electron IPC, browser
 * mode). Requests are validated by the engine with these schemas; entries are checked as
 * digests there too, so a bad one is reported by name and nothing is saved.
 */
const containerIdSchema = z
  .string()
  .regex(/^[0-9a-f]{12,64}$/, 'a container ID is 12 to 64 lowercase hex characters');

const entryList = z
  .array(z.string())
  .min(1, 'give at least one entry')
  .max(10_000, 'at most 10,000 entries at once');

export const apiRequestSchemas = {
  'status.get': z.object({}).strict(),
  'allowlist.list': z.object({}).strict(),
  'allowlist.add': z.object({ entries: entryList, label: labelSchema.optional() }).strict(),
  'allowlist.remove': z.object({ entries: entryList }).strict(),
  'allowlist.import': z
    .object({ text: z.string().max(5_000_000, 'an allowlist file is at most 5 MB') })
    .strict(),
  'allowlist.export': z.object({}).strict(),
  'enforcement.set': z.object({ enabled: z.boolean() }).strict(),
  'mode.set': z.object({ mode: modeSchema }).strict(),
  'notifications.set': z.object({ enabled: z.boolean() }).strict(),
  'check.run': z.object({}).strict(),
  'log.list': z.object({ limit: z.number().int().min(1).max(100_000).optional() }).strict(),
  'trust.list': z.object({}).strict(),
  'trust.add': z
    .object({
      name: policyNameSchema.optional(),
      scope: imagePatternSchema,
      threshold: z.number().int().min(1).optional(),
      anchors: z.array(trustAnchorSchema).min(1, 'give at least one trust anchor').max(20),
    })
    .strict(),
  'trust.remove': z.object({ name: policyNameSchema }).strict(),
  'verify.run': z.object({ image: z.string().min(1).max(512) }).strict(),
  'containers.list': z.object({}).strict(),
  'containers.approve': z
    .object({ containerId: containerIdSchema, label: labelSchema.optional() })
    .strict(),
  'containers.stop': z.object({ containerId: containerIdSchema }).strict(),
  'prevention.set': z
    .object({ ask: z.boolean().optional(), builds: buildPolicySchema.optional() })
    .strict(),
  'approvals.list': z.object({}).strict(),
  'approvals.answer': z
    .object({ id: z.uuid(), approve: z.boolean(), label: labelSchema.optional() })
    .strict(),
  ...instanceRequestSchemas,
} as const satisfies Record<ApiChannel, z.ZodType>;

// Both ways: a schema for a channel the map does not declare fails here too.
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const schemasMatchTheMap: Exactly<keyof typeof apiRequestSchemas, ApiChannel> = true;
void schemasMatchTheMap;
export type ApiRequest<K extends ApiChannel> = z.input<(typeof apiRequestSchemas)[K]>;

/**
 * The authorization plugin as this engine sees it: `serving` (this engine's process serves it
 * on `socketPath`), `unsupported` (the Docker it watches cannot load it; `reason` says why, for
 * people) or `off` (it could, but this process does not serve it: the reactive guard only).
 */
export type PreventionPlugin =
  | { state: 'serving'; socketPath: string }
  | { state: 'off' }
  | { state: 'unsupported'; reason: string };

export interface EngineStatus {
  connection: ConnectionState;
  enforcement: { enabled: boolean; mode: Mode };
  notifications: { enabled: boolean };
  /**
   * Prevention mode: `ask` before refusing a create of an unknown image (a setting), and
   * whether Docker can ask this engine's authorization plugin here.
   */
  prevention: { ask: boolean; builds: BuildPolicy; plugin: PreventionPlugin };
  counts: { allowlist: number; quarantined: number };
  /** True while this engine watches Docker and acts (a daemon or the desktop app). */
  enforcing: boolean;
  /** Watching events and done with the first sweep since (re)connecting. */
  ready: boolean;
  configDir: string;
}

export interface ContainerVerdict {
  containerId: string;
  containerName: string;
  imageRef: string;
  imageId: string;
  digests: string[];
  state: string;
  allowed: boolean;
  reason: string;
}

export interface CheckReport {
  allAllowed: boolean;
  containers: ContainerVerdict[];
}

/** A container as the faces list it: what it runs, what Gatehouse decided, and why. */
export interface ContainerView extends ContainerVerdict {
  quarantined: boolean;
  /** The last decision logged for it since the engine started. */
  lastDecision?: DecisionRecord;
}

export interface ApproveResult {
  /** What was allowlisted: the image's registry digest, or its image ID for a local image. */
  digest: string;
  /** A quarantined container is started again once approved. */
  restarted: boolean;
}

export interface VerifyReport {
  ok: boolean;
  image: string;
  digest?: string;
  policy?: string;
  verdicts: { kind: AnchorKind; ok: boolean; reason: string; signer?: string }[];
  reason: string;
}

/** A create waiting inside dockerd for a person to approve or deny its image. */
export interface PendingApproval {
  id: string;
  imageRef: string;
  /** What approving allowlists: the registry digest, else the image ID. */
  digest: string;
  reason: string;
  askedAt: string;
  expiresAt: string;
}

export interface ApiResults extends InstanceResults {
  'status.get': EngineStatus;
  'allowlist.list': AllowlistEntry[];
  'allowlist.add': { added: string[]; alreadyPresent: string[] };
  'allowlist.remove': { removed: string[]; notPresent: string[] };
  'allowlist.import': { added: string[]; alreadyPresent: string[] };
  'allowlist.export': { text: string };
  'enforcement.set': EngineStatus;
  'mode.set': EngineStatus;
  'notifications.set': EngineStatus;
  'check.run': CheckReport;
  'log.list': DecisionRecord[];
  'trust.list': TrustPolicy[];
  'trust.add': TrustPolicy;
  'trust.remove': { removed: string };
  'verify.run': VerifyReport;
  'containers.list': ContainerView[];
  'containers.approve': ApproveResult;
  'containers.stop': { stopped: string };
  'prevention.set': EngineStatus;
  'approvals.list': PendingApproval[];
  'approvals.answer': { answered: boolean };
}

const noData = z.object({}).strict();

/** What the engine pushes to the faces (IPC events, the browser bridge's WebSocket). */
export const apiEventSchemas = {
  decision: decisionRecordSchema,
  connection: connectionStateSchema,
  settings: noData,
  containers: noData,
  approvals: noData,
} as const satisfies Record<ApiEventName, z.ZodType>;

export type ApiEvents = { [E in ApiEventName]: z.output<(typeof apiEventSchemas)[E]> };

export type ApiResult<K extends ApiChannel> = ApiResults[K];
