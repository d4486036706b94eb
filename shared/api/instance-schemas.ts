import { z } from 'zod';
import { digestProblem, type Digest } from '../digest.js';
import { pulledReferenceProblem } from '../image-reference.js';
import { policyNameSchema } from './trust-schemas.js';

/**
 * Managed containers (Kura's ContainerInstance): containers Gatehouse itself runs from a saved
 * definition, pinned either by an enforcement digest or by a digest a trust policy verified.
 * An enabled instance's digest is part of the effective allowlist.
 */

/** Also the container's name and the value of its `dev.gatehouse.instance` label. */
export const instanceNameSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_.-]{0,62}$/,
    'an instance name is 1-63 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit',
  );

const instanceDigestSchema = z.string().transform((value, ctx) => {
  const problem = digestProblem(value);
  if (problem) {
    ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  }
  return value as Digest;
});

/** A tag reference is what the instance follows; a digest goes in `digest`, not here. */
export const instanceImageSchema = z
  .string()
  .max(512)
  .superRefine((value, ctx) => {
    const problem = pulledReferenceProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
    else if (value.includes('@'))
      ctx.addIssue({
        code: 'custom',
        message: `${value} names a digest: give the tag as the image and the digest with --digest`,
      });
  });

const portNumber = z.number().int().min(1).max(65_535);

export const portMappingSchema = z
  .object({
    /** Host address to bind, 127.0.0.1 by default (a workstation, not a server). */
    hostIp: z.union([z.ipv4(), z.ipv6()]).optional(),
    hostPort: portNumber,
    containerPort: portNumber,
    protocol: z.enum(['tcp', 'udp']).default('tcp'),
  })
  .strict();
export type PortMapping = z.infer<typeof portMappingSchema>;

export const envVarSchema = z
  .string()
  .max(32_768)
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]*=/, 'an environment variable is NAME=value')
  .refine((s) => !s.includes('\0'), 'an environment variable cannot contain NUL');

export const volumeSchema = z
  .object({
    /** An absolute host path or a named volume. */
    source: z
      .string()
      .min(1)
      .max(4096)
      .refine(
        (s) => s.startsWith('/') || /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(s),
        'a volume source is an absolute host path or a volume name',
      ),
    target: z
      .string()
      .max(4096)
      .refine((s) => s.startsWith('/'), 'a volume target is an absolute path in the container'),
    readOnly: z.boolean().default(false),
  })
  .strict();
export type VolumeMount = z.infer<typeof volumeSchema>;

export const instanceRestartSchema = z.enum(['no', 'always', 'unless-stopped', 'on-failure']);

export const instanceRunOptionsSchema = z
  .object({
    command: z.array(z.string().max(32_768)).max(256).optional(),
    env: z.array(envVarSchema).max(512).default([]),
    volumes: z.array(volumeSchema).max(128).default([]),
    ports: z.array(portMappingSchema).max(128).default([]),
    restart: instanceRestartSchema.default('unless-stopped'),
    /** `bridge`, `host`, `none` or a user-defined network's name. */
    network: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'a network name is letters, digits, "_.-"')
      .optional(),
  })
  .strict();
export type InstanceRunOptions = z.infer<typeof instanceRunOptionsSchema>;

export const PASSWORD_MAX_LENGTH = 8192;

export const registryCredentialsSchema = z
  .object({
    username: z.string().min(1).max(256),
    password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
  })
  .strict();

export const instanceSchema = z
  .object({
    name: instanceNameSchema,
    image: instanceImageSchema,
    enabled: z.boolean(),
    /** The enforcement digest: what is pulled and run, and what the allowlist gains. */
    digest: instanceDigestSchema.optional(),
    /** Without a digest, the tag is resolved and verified under this trust policy. */
    trustPolicy: policyNameSchema.optional(),
    credentials: registryCredentialsSchema.optional(),
    run: instanceRunOptionsSchema.default({
      env: [],
      volumes: [],
      ports: [],
      restart: 'unless-stopped',
    }),
    createdAt: z.iso.datetime(),
    /** Why the last attempt to run it failed (verification, pull, Docker); cleared on success. */
    problem: z.string().max(4000).optional(),
  })
  .strict();
export type Instance = z.infer<typeof instanceSchema>;

/** What `instance add` takes: a definition without the fields Gatehouse keeps. */
export const newInstanceSchema = instanceSchema
  .omit({ createdAt: true, problem: true, enabled: true })
  .extend({ enabled: z.boolean().default(true) })
  .strict();
export type NewInstance = z.input<typeof newInstanceSchema>;

export const instanceRequestSchemas = {
  'instance.list': z.object({}).strict(),
  'instance.add': newInstanceSchema,
  'instance.enable': z.object({ name: instanceNameSchema }).strict(),
  'instance.disable': z
    .object({ name: instanceNameSchema, dryRun: z.boolean().optional() })
    .strict(),
  'instance.remove': z
    .object({ name: instanceNameSchema, dryRun: z.boolean().optional() })
    .strict(),
  'instance.set-digest': z
    .object({
      name: instanceNameSchema,
      /** null clears it: the tag is verified again ("check for update"). */
      digest: instanceDigestSchema.nullable(),
      dryRun: z.boolean().optional(),
    })
    .strict(),
} as const;

/** A container that a change will stop: it was allowed only by the instance's digest. */
export interface AffectedContainer {
  containerId: string;
  containerName: string;
  imageRef: string;
}

/** An instance as the faces list it: its definition (credentials hidden) and its container. */
export interface InstanceView extends Omit<Instance, 'credentials'> {
  hasCredentials: boolean;
  container?: { id: string; state: string };
}

export interface InstanceChange {
  instance: InstanceView | undefined;
  /** Containers stopped (or, for a dry run, that would be) by the sweep after this change. */
  affected: AffectedContainer[];
  dryRun: boolean;
}

export interface InstanceResults {
  'instance.list': InstanceView[];
  'instance.add': InstanceView;
  'instance.enable': InstanceView;
  'instance.disable': InstanceChange;
  'instance.remove': InstanceChange;
  'instance.set-digest': InstanceChange;
}
