import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parsePort, parseVolume } from '../../../../electron/cli/commands/instance.js';

describe('gatehouse instance add: run option parsers', () => {
  it('reads ports as docker run -p does', () => {
    expect(parsePort('8080:80')).toEqual({ hostPort: 8080, containerPort: 80, protocol: 'tcp' });
    expect(parsePort('127.0.0.1:53:53/udp')).toEqual({
      hostIp: '127.0.0.1',
      hostPort: 53,
      containerPort: 53,
      protocol: 'udp',
    });
    for (const bad of ['80', 'a:b', '1:2/sctp', '::1:80:80'])
      expect(() => parsePort(bad)).toThrow(InvalidArgumentError);
  });

  it('reads volumes as docker run -v does', () => {
    expect(parseVolume('/data:/d')).toEqual({ source: '/data', target: '/d', readOnly: false });
    expect(parseVolume('cache:/c:ro')).toEqual({ source: 'cache', target: '/c', readOnly: true });
    expect(parseVolume('cache:/c:rw')).toEqual({ source: 'cache', target: '/c', readOnly: false });
    for (const bad of ['/data', 'a:b:c:d', 'a:/b:xx'])
      expect(() => parseVolume(bad)).toThrow(InvalidArgumentError);
  });
});
