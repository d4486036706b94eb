import { describe, expect, it } from 'vitest';
import { parseChallenges } from '../../../../electron/engine/registry/www-authenticate.js';

describe('parseChallenges', () => {
  it('reads Docker Hub style Bearer challenges', () => {
    expect(
      parseChallenges(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/alpine:pull',
        },
      },
    ]);
  });

  it('reads several challenges, unquoted and escaped values, and odd spacing', () => {
    expect(
      parseChallenges('Basic realm="a \\"b\\"", Bearer Realm = "https://t" , service=s,Negotiate'),
    ).toEqual([
      { scheme: 'basic', params: { realm: 'a "b"' } },
      { scheme: 'bearer', params: { realm: 'https://t', service: 's' } },
      { scheme: 'negotiate', params: {} },
    ]);
  });

  it('keeps what it read before an unreadable rest', () => {
    expect(parseChallenges('Basic realm="r", ="x"')).toEqual([
      { scheme: 'basic', params: { realm: 'r' } },
    ]);
    expect(parseChallenges('')).toEqual([]);
    expect(parseChallenges('Bearer realm="unterminated')).toEqual([
      { scheme: 'bearer', params: {} },
    ]);
  });
});
