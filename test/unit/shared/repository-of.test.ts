import { describe, expect, it } from 'vitest';
import { repositoryOf } from '../../../shared/image-reference.js';

const DIGEST = `sha256:${'0'.repeat(64)}`;

describe('repositoryOf', () => {
  it.each([
    [
      '192.168.64.2:5000/cosign-signed-single-sample',
      '192.168.64.2:5000/cosign-signed-single-sample',
    ],
    ['192.168.64.2:5000/skopeo-signed:tag', '192.168.64.2:5000/skopeo-signed'],
    [`localhost:5000/test@${DIGEST}`, 'localhost:5000/test'],
    [`ghcr.io/org/app:v1@${DIGEST}`, 'ghcr.io/org/app'],
    ['localhost/app', 'localhost/app'],
    ['busybox', 'docker.io/library/busybox'],
    ['busybox:1.36', 'docker.io/library/busybox'],
    ['library/busybox', 'docker.io/library/busybox'],
    ['index.docker.io/library/busybox', 'docker.io/library/busybox'],
    ['team/app', 'docker.io/team/app'],
    ['[::1]:5000/app', '[::1]:5000/app'],
  ])('%s is in repository %s', (reference, repository) => {
    expect(repositoryOf(reference)).toBe(repository);
  });

  it.each(['', 'App', 'team/App', 'app:', 'app:bad/tag', 'app@sha256:xyz', 'a//b', 'has space'])(
    '%j is not a reference',
    (reference) => {
      expect(repositoryOf(reference)).toBeUndefined();
    },
  );
});
