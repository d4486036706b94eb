import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { InputTooLargeError, readFileBounded } from '../files/bounded-read.js';

export type RegistryCredentials =
  | { kind: 'basic'; username: string; password: string }
  /** From `docker login` with an OAuth flow: exchanged for access tokens, never sent as is. */
  | { kind: 'identity-token'; identityToken: string };

/**
 * The credentials for a registry host as written in image references (`docker.io`,
 * `127.0.0.1:5000`), or undefined for anonymous access. Throws an Error whose message
 * contains no secret when the credentials exist but cannot be read.
 */
export type CredentialSource = (registry: string) => Promise<RegistryCredentials | undefined>;

export interface DockerConfigOptions {
  /** The folder holding `config.json`; default `$DOCKER_CONFIG`, else `~/.docker`. */
  configDir?: string;
  /** The environment credential helpers run in (their PATH finds them); default process.env. */
  env?: NodeJS.ProcessEnv;
  helperTimeoutMs?: number;
}

// The Docker CLI files Docker Hub under its v1 URL, and hands that URL to credential helpers.
const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';
const DOCKER_HUB_HOSTS: ReadonlySet<string> = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
]);
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const HELPER_OUTPUT_BYTES = 64 * 1024;
const DEFAULT_HELPER_TIMEOUT_MS = 10_000;

const configSchema = z.object({
  auths: z
    .record(
      z.string(),
      z.object({
        auth: z.string().optional(),
        username: z.string().optional(),
        password: z.string().optional(),
        identitytoken: z.string().optional(),
      }),
    )
    .optional(),
  credsStore: z.string().optional(),
  credHelpers: z.record(z.string(), z.string()).optional(),
});
type DockerConfig = z.infer<typeof configSchema>;

const helperOutput = z.object({ Username: z.string(), Secret: z.string() });

/**
 * Credentials as the Docker CLI finds them in its `config.json`: a `credHelpers` entry for the
 * registry, else the `credsStore` helper, else the `auths` entry. The file is read on each
 * call (only when a registry asks for credentials), so `docker login` takes effect at once.
 */
export function dockerConfigCredentials(options: DockerConfigOptions = {}): CredentialSource {
  const env = options.env ?? process.env;
  const dir = options.configDir ?? env['DOCKER_CONFIG'] ?? join(homedir(), '.docker');
  const file = join(dir, 'config.json');
  const timeoutMs = options.helperTimeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS;

  return async (registry) => {
    const config = await readConfig(file);
    if (config === undefined) return undefined;
    const serverUrl = DOCKER_HUB_HOSTS.has(registry) ? DOCKER_HUB_KEY : registry;
    const helper =
      config.credHelpers?.[serverUrl] ?? config.credHelpers?.[registry] ?? config.credsStore;
    if (helper !== undefined && helper !== '') {
      if (!HELPER_NAME.test(helper))
        throw new Error(`${file} names an invalid credential helper ${JSON.stringify(helper)}`);
      return runHelper(`docker-credential-${helper}`, serverUrl, env, timeoutMs);
    }
    return fromAuthsEntry(config, registry, serverUrl, file);
  };
}

/** A Docker config.json holds a few auths and settings; this bounds what is read of one. */
const CONFIG_LIMIT = { maxBytes: 1_000_000, what: 'a Docker config.json' };

async function readConfig(file: string): Promise<DockerConfig | undefined> {
  let text: string;
  try {
    text = (await readFileBounded(file, CONFIG_LIMIT)).toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (error instanceof InputTooLargeError) throw error;
    throw new Error(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // Not the parser's message: it quotes the file, which holds secrets.
    throw new Error(`${file} is not valid JSON`);
  }
  const result = configSchema.safeParse(json);
  if (!result.success)
    throw new Error(`${file} is not a Docker config: ${result.error.issues[0]?.path.join('.')}`);
  return result.data;
}

function fromAuthsEntry(
  config: DockerConfig,
  registry: string,
  serverUrl: string,
  file: string,
): RegistryCredentials | undefined {
  const auths = config.auths ?? {};
  // Keys may carry a scheme and path (`https://host/v1/`): match them by host, as Docker does.
  const matches = (key: string) => {
    const host = key.replace(/^https?:\/\//, '').split('/')[0] ?? '';
    return host === registry || (serverUrl === DOCKER_HUB_KEY && DOCKER_HUB_HOSTS.has(host));
  };
  const key = serverUrl in auths ? serverUrl : Object.keys(auths).find(matches);
  const entry = key === undefined ? undefined : auths[key];
  if (entry === undefined) return undefined;
  if (entry.identitytoken) return { kind: 'identity-token', identityToken: entry.identitytoken };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0)
      throw new Error(
        `the "auth" of ${JSON.stringify(key)} in ${file} is not base64 of user:password`,
      );
    return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry.username && entry.password)
    return { kind: 'basic', username: entry.username, password: entry.password };
  return undefined;
}

/** The credential helper protocol: `PROGRAM get`, the server URL on stdin, JSON on stdout. */
async function runHelper(
  program: string,
  serverUrl: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<RegistryCredentials | undefined> {
  const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'ignore'] });
  const result = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
    // Settles without waiting for 'close': a killed helper's children may hold stdout open.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${program} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const chunks: Buffer[] = [];
    let size = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > HELPER_OUTPUT_BYTES) child.kill('SIGKILL');
      else chunks.push(chunk);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new Error(
          error.code === 'ENOENT' ? `${program} is not on the PATH` : `${program} could not run`,
        ),
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(chunks).toString() });
    });
    child.stdin.on('error', () => {}); // a helper may exit without reading its input
    child.stdin.end(serverUrl);
  });

  if (result.code !== 0) {
    if (/credentials not found/i.test(result.stdout)) return undefined;
    throw new Error(`${program} get failed (exit code ${result.code ?? 'none: killed'})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(result.stdout);
  } catch {
    json = undefined;
  }
  const parsed = helperOutput.safeParse(json);
  if (!parsed.success) throw new Error(`${program} get printed something other than credentials`);
  const { Username: username, Secret: secret } = parsed.data;
  if (secret === '') return undefined;
  // Helpers store identity tokens with this user name, as the Docker CLI does.
  if (username === '<token>') return { kind: 'identity-token', identityToken: secret };
  return { kind: 'basic', username, password: secret };
}
