/** A content digest as Docker reports image IDs and RepoDigests: `sha256:` + 64 lowercase hex. */
export type Digest = `sha256:${string}`;

const DIGEST = /^sha256:[0-9a-f]{64}$/;

export const DIGEST_FORMAT = '"sha256:" followed by 64 lowercase hexadecimal characters';

export function isDigest(value: string): value is Digest {
  return DIGEST.test(value);
}

/** Says what is wrong with a would-be digest, so the user can fix it; undefined when valid. */
export function digestProblem(value: string): string | undefined {
  if (isDigest(value)) return undefined;
  const shown = JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (!value.startsWith('sha256:')) return `${shown} is not a digest: expected ${DIGEST_FORMAT}`;
  const hex = value.slice('sha256:'.length);
  if (/^[0-9a-fA-F]*$/.test(hex) && hex.length === 64)
    return `${shown} has uppercase hex: write it in lowercase`;
  if (!/^[0-9a-fA-F]*$/.test(hex)) return `${shown} has characters that are not hexadecimal`;
  return `${shown} has ${hex.length} hex characters after "sha256:", expected 64`;
}

/** The digest part of a RepoDigest such as `registry:5000/team/app@sha256:...`. */
export function digestOfRepoDigest(repoDigest: string): Digest | undefined {
  const at = repoDigest.lastIndexOf('@');
  const digest = at < 0 ? '' : repoDigest.slice(at + 1);
  return isDigest(digest) ? digest : undefined;
}
