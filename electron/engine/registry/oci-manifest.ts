import { z } from 'zod';

export const MEDIA_TYPE = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

const INDEX_TYPES: ReadonlySet<string> = new Set([
  MEDIA_TYPE.ociIndex,
  MEDIA_TYPE.dockerManifestList,
]);
const MANIFEST_TYPES: ReadonlySet<string> = new Set([
  MEDIA_TYPE.ociManifest,
  MEDIA_TYPE.dockerManifest,
]);

/** Every manifest kind the client understands; a registry picks among them. */
export const MANIFEST_ACCEPT = Object.values(MEDIA_TYPE).join(', ');

// The OCI grammars; a media type is also shown in messages, so nothing unusual gets through.
const mediaType = z
  .string()
  .regex(/^[A-Za-z0-9][\w!#$&^.+-]{0,126}\/[A-Za-z0-9][\w!#$&^.+-]{0,126}$/, 'not a media type');
const digest = z.string().regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, 'not a digest');
const annotations = z.record(z.string(), z.string());

const platformSchema = z.object({
  architecture: z.string(),
  os: z.string(),
  'os.version': z.string().optional(),
  'os.features': z.array(z.string()).optional(),
  variant: z.string().optional(),
});

const descriptorSchema = z.object({
  mediaType,
  digest,
  size: z.number().int().nonnegative(),
  urls: z.array(z.string()).optional(),
  annotations: annotations.optional(),
  artifactType: mediaType.optional(),
  platform: platformSchema.optional(),
});

const manifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: mediaType.optional(),
  artifactType: mediaType.optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  subject: descriptorSchema.optional(),
  annotations: annotations.optional(),
});

const indexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: mediaType.optional(),
  artifactType: mediaType.optional(),
  manifests: z.array(descriptorSchema),
  subject: descriptorSchema.optional(),
  annotations: annotations.optional(),
});

export type Platform = z.infer<typeof platformSchema>;
export type Descriptor = z.infer<typeof descriptorSchema>;
/** An OCI image manifest or Docker schema 2 manifest (same shape). */
export type ImageManifest = z.infer<typeof manifestSchema>;
/** An OCI image index or Docker manifest list (same shape). */
export type ImageIndex = z.infer<typeof indexSchema>;

export type ParsedManifest = { mediaType: string } & (
  { kind: 'manifest'; manifest: ImageManifest } | { kind: 'index'; index: ImageIndex }
);

/**
 * Validates manifest bytes from a registry. The media type is the one the manifest declares,
 * else the Content-Type; both must agree when both name a manifest type. Throws an Error
 * saying what is wrong (without echoing the content).
 */
export function parseManifest(bytes: Uint8Array, contentType: string | undefined): ParsedManifest {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new Error('the manifest is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new Error('the manifest is not a JSON object');

  const header = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  const declared = 'mediaType' in json ? json.mediaType : undefined;
  if (declared !== undefined && typeof declared !== 'string')
    throw new Error('the manifest\'s "mediaType" is not a string');
  const known = (type: string) => INDEX_TYPES.has(type) || MANIFEST_TYPES.has(type);
  if (declared !== undefined && known(header) && declared !== header)
    throw new Error(`the registry labels a ${declared} manifest as ${header}`);
  const type = declared ?? header;
  if (!known(type)) {
    const shown = mediaType.safeParse(type).success ? type : 'no media type';
    throw new Error(
      type.startsWith('application/vnd.docker.distribution.manifest.v1')
        ? 'Docker schema 1 manifests are not supported'
        : `unsupported manifest media type: ${shown}`,
    );
  }

  if (INDEX_TYPES.has(type))
    return { mediaType: type, kind: 'index', index: check(indexSchema, json) };
  return { mediaType: type, kind: 'manifest', manifest: check(manifestSchema, json) };
}

function check<T>(schema: z.ZodType<T>, json: unknown): T {
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const at = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
  throw new Error(`the manifest is malformed${at}: ${issue?.message ?? 'invalid'}`);
}
