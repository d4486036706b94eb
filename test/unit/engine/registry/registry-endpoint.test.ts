import { describe, expect, it } from 'vitest';
import { registryEndpoint } from '../../../../electron/engine/registry/registry-endpoint.js';

describe('registryEndpoint', () => {
  it.each([
    ['docker.io', 'https://registry-1.docker.io/v2/', false],
    ['ghcr.io', 'https://ghcr.io/v2/', false],
    ['registry.example:5000', 'https://registry.example:5000/v2/', false],
    ['localhost', 'http://localhost/v2/', true],
    ['localhost:5000', 'http://localhost:5000/v2/', true],
    ['127.0.0.1:5000', 'http://127.0.0.1:5000/v2/', true],
    ['127.1.2.3', 'http://127.1.2.3/v2/', true],
    ['[::1]:5000', 'http://[::1]:5000/v2/', true],
    ['127.0.0.1.example', 'https://127.0.0.1.example/v2/', false],
    ['insecure.example:80', 'http://insecure.example:80/v2/', true],
  ])('%s is at %s', (registry, base, plainHttp) => {
    expect(registryEndpoint(registry, ['insecure.example:80'])).toEqual({ base, plainHttp });
  });
});
