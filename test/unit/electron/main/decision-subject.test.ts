import { describe, expect, it } from 'vitest';
import {
  decisionRoute,
  decisionSubject,
  subjectName,
} from '../../../../electron/main/decision-subject.js';
import { decision, id } from './support.js';

const DIGEST = `sha256:${'c'.repeat(64)}`;
const IMAGE_ID = `sha256:${'1'.repeat(64)}`;
const refusedCreate = decision({
  containerId: '',
  containerName: '',
  decision: 'prevented',
  trigger: 'authz:create',
});

describe('decisionSubject, subjectName, decisionRoute', () => {
  it('a container is its ID; a refused create is its name and image', () => {
    expect(decisionSubject(decision({ containerId: id('a') }))).toBe(id('a'));
    expect(decisionSubject(refusedCreate)).toBe(`new  ${IMAGE_ID}`);
    expect(decisionSubject({ ...refusedCreate, containerName: 'web' })).not.toBe(
      decisionSubject(refusedCreate),
    );
    expect(decisionSubject({ ...refusedCreate, imageId: '', imageRef: 'x:1' })).toBe('new  x:1');
  });

  it('names a refused create by its image when it asked for no name', () => {
    expect(subjectName(decision({ containerName: 'api' }))).toBe('api');
    expect(subjectName(refusedCreate)).toBe('a container of ghcr.io/acme/web:1.4');
    expect(subjectName({ ...refusedCreate, imageRef: '' })).toBe('a container of an unknown image');
  });

  it("routes a refusal to its approval, anything else to the container's activity", () => {
    expect(decisionRoute(decision({ containerId: id('a') }))).toBe(`/activity/${id('a')}`);
    expect(decisionRoute({ ...refusedCreate, digests: [DIGEST] })).toBe(
      `/allowlist/${encodeURIComponent(DIGEST)}`,
    );
    expect(decisionRoute(refusedCreate)).toBe(`/allowlist/${encodeURIComponent(IMAGE_ID)}`);
    // A refusal that knows no image (a malformed request): the activity view.
    expect(decisionRoute({ ...refusedCreate, imageId: '' })).toBe('/activity');
  });
});
