import type { NewInstance } from '../api/types.js';

/** What the Add instance form edits, as text; turned into a request by `planInstance`. */
export interface InstanceDraft {
  name: string;
  image: string;
  digest: string;
  trustPolicy: string;
  command: string;
  /** One NAME=value a line. */
  env: string;
  /** One `[ip:]host:container[/proto]` a line. */
  ports: string;
  /** One `source:target[:ro]` a line. */
  volumes: string;
  restart: 'no' | 'always' | 'unless-stopped' | 'on-failure';
  network: string;
  startNow: boolean;
}

export function emptyDraft(): InstanceDraft {
  return {
    name: '',
    image: '',
    digest: '',
    trustPolicy: '',
    command: '',
    env: '',
    ports: '',
    volumes: '',
    restart: 'unless-stopped',
    network: '',
    startNow: true,
  };
}

const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/**
 * The request for a draft, or the problems (by field) the form can show before asking the
 * engine, which validates everything again.
 */
export function planInstance(
  draft: InstanceDraft,
): { ok: true; request: NewInstance } | { ok: false; problems: Record<string, string[]> } {
  const problems: Record<string, string[]> = {};
  const say = (field: string, problem: string) => (problems[field] ??= []).push(problem);
  if (!draft.name.trim()) say('name', 'give the instance a name');
  if (!draft.image.trim()) say('image', 'give an image reference, e.g. registry/team/app:1');
  if (!draft.digest.trim() && !draft.trustPolicy.trim())
    say('digest', 'give an enforcement digest, or a trust policy to verify the tag with');
  const ports = lines(draft.ports).map((text) => {
    const m = /^(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(\d+):(\d+)(?:\/(tcp|udp))?$/.exec(text);
    if (!m) {
      say('run.ports', `${text}: expected [ip:]hostPort:containerPort[/tcp|udp]`);
      return undefined;
    }
    return {
      ...(m[1] ? { hostIp: m[1] } : {}),
      hostPort: Number(m[2]),
      containerPort: Number(m[3]),
      protocol: m[4] === 'udp' ? ('udp' as const) : ('tcp' as const),
    };
  });
  const volumes = lines(draft.volumes).map((text) => {
    const [source = '', target = '', mode, ...rest] = text.split(':');
    if (
      !source ||
      !target ||
      rest.length ||
      (mode !== undefined && mode !== 'ro' && mode !== 'rw')
    ) {
      say('run.volumes', `${text}: expected source:target[:ro]`);
      return undefined;
    }
    return { source, target, readOnly: mode === 'ro' };
  });
  if (Object.keys(problems).length) return { ok: false, problems };
  const command = draft.command.trim() ? draft.command.trim().split(/\s+/) : undefined;
  return {
    ok: true,
    request: {
      name: draft.name.trim(),
      image: draft.image.trim(),
      enabled: draft.startNow,
      ...(draft.digest.trim() ? { digest: draft.digest.trim() } : {}),
      ...(draft.trustPolicy.trim() ? { trustPolicy: draft.trustPolicy.trim() } : {}),
      run: {
        ...(command ? { command } : {}),
        env: lines(draft.env),
        ports: ports.filter((p) => p !== undefined),
        volumes: volumes.filter((v) => v !== undefined),
        restart: draft.restart,
        ...(draft.network.trim() ? { network: draft.network.trim() } : {}),
      },
    },
  };
}
