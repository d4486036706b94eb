import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { RegistryClientOptions } from './registry-client.js';
import { readFileBoundedSync } from '../files/bounded-read.js';

/**
 * Registry settings as the local Docker engine has them, so Gatehouse reaches a registry the
 * way `docker pull` does: `insecure-registries` from daemon.json (host[:port] entries; CIDR
 * ranges are dockerd's own matter and are not followed) and CA certificates from
 * `certs.d/<host[:port]>/*.crt`.
 */
export interface ConfigFiles {
  exists(path: string): boolean;
  read(path: string): string;
  list(dir: string): string[];
}

// daemon.json and CA certificates are small; a larger file is not read whole.
const CONFIG_FILE_LIMIT = { maxBytes: 1_000_000, what: 'a Docker daemon.json or CA certificate' };

const realFiles: ConfigFiles = {
  exists: existsSync,
  read: (path) => readFileBoundedSync(path, CONFIG_FILE_LIMIT).toString('utf8'),
  list: (dir) => readdirSync(dir),
};

/** System dockerd, rootless dockerd and Docker Desktop keep their settings in these places. */
export function dockerConfigDirs(home = homedir()): string[] {
  return ['/etc/docker', join(home, '.config', 'docker'), join(home, '.docker')];
}

const daemonJson = z.object({ 'insecure-registries': z.array(z.string()).optional() }).loose();

export function registryOptionsFromDocker(
  dirs: readonly string[] = dockerConfigDirs(),
  files: ConfigFiles = realFiles,
): RegistryClientOptions {
  const insecure = new Set<string>();
  const registryCa: Record<string, string> = {};
  for (const dir of dirs) {
    const daemon = join(dir, 'daemon.json');
    if (files.exists(daemon)) {
      // An unreadable daemon.json is dockerd's problem to report; Gatehouse then uses TLS.
      const parsed = daemonJson.safeParse(safeJson(files.read(daemon)));
      for (const entry of parsed.success ? (parsed.data['insecure-registries'] ?? []) : []) {
        const host = entry.replace(/^https?:\/\//, '');
        if (!host.includes('/')) insecure.add(host);
      }
    }
    const certs = join(dir, 'certs.d');
    if (!files.exists(certs)) continue;
    for (const host of files.list(certs)) {
      const pems = files
        .list(join(certs, host))
        .filter((f) => f.endsWith('.crt'))
        .map((f) => files.read(join(certs, host, f)));
      if (pems.length) registryCa[host] = [registryCa[host], ...pems].filter(Boolean).join('\n');
    }
  }
  return { insecureRegistries: [...insecure], registryCa };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
