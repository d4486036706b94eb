import { MEDIA_TYPE, type Descriptor, type ImageIndex } from './oci-manifest.js';

export interface PlatformChoice {
  os: string;
  architecture: string;
  /** e.g. `v8` for arm64; when omitted, a manifest without a variant is preferred. */
  variant?: string;
}

export const DEFAULT_PLATFORM: PlatformChoice = { os: 'linux', architecture: 'amd64' };

// As containerd normalises them: an arm64 image without a variant is v8, an arm one v7.
const DEFAULT_VARIANT: Readonly<Record<string, string>> = { arm64: 'v8', arm: 'v7' };

/**
 * The descriptor of the image manifest for one platform in a multi-arch index (nested indexes
 * and attestation manifests, whose platform is `unknown`, are never chosen); undefined if the
 * index has none for it.
 */
export function selectPlatformManifest(
  index: ImageIndex,
  platform: PlatformChoice = DEFAULT_PLATFORM,
): Descriptor | undefined {
  const candidates = index.manifests.filter(
    (d) =>
      (d.mediaType === MEDIA_TYPE.ociManifest || d.mediaType === MEDIA_TYPE.dockerManifest) &&
      d.platform?.os === platform.os &&
      d.platform.architecture === platform.architecture,
  );
  const wanted = variantOf(platform.architecture, platform.variant);
  const exact = candidates.find(
    (d) => variantOf(platform.architecture, d.platform?.variant) === wanted,
  );
  return exact ?? (platform.variant === undefined ? candidates[0] : undefined);
}

function variantOf(architecture: string, variant: string | undefined): string {
  return variant ?? DEFAULT_VARIANT[architecture] ?? '';
}
