import { InvalidArgumentError, type Command } from 'commander';
import {
  PASSWORD_MAX_LENGTH,
  type InstanceChange,
  type InstanceView,
  type NewInstance,
  type PortMapping,
  type VolumeMount,
} from '../../../shared/api/instance-schemas.js';
import { callApi, type CliContext } from '../api-access.js';
import { choice, UsageError } from '../arguments.js';
import { printJson, readInput, short, shown } from '../output.js';

/** `gatehouse instance ...`: managed containers Gatehouse runs pinned by digest. */

const collect =
  <T>(parse: (v: string) => T) =>
  (value: string, previous: T[]) => [...previous, parse(value)];

/** `[ip:]hostPort:containerPort[/tcp|udp]` as `docker run -p` takes it. */
export function parsePort(text: string): PortMapping {
  const match = /^(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(\d+):(\d+)(?:\/(tcp|udp))?$/.exec(text);
  if (!match)
    throw new InvalidArgumentError(
      `expected [ip:]hostPort:containerPort[/tcp|udp], got ${JSON.stringify(text)}`,
    );
  const [, hostIp, hostPort, containerPort, protocol] = match;
  return {
    ...(hostIp ? { hostIp } : {}),
    hostPort: Number(hostPort),
    containerPort: Number(containerPort),
    protocol: protocol === 'udp' ? 'udp' : 'tcp',
  };
}

/** `source:target[:ro]` as `docker run -v` takes it. */
export function parseVolume(text: string): VolumeMount {
  const parts = text.split(':');
  const readOnly = parts.length === 3 && parts[2] === 'ro';
  if (
    parts.length < 2 ||
    parts.length > 3 ||
    (parts.length === 3 && !readOnly && parts[2] !== 'rw')
  )
    throw new InvalidArgumentError(`expected source:target[:ro], got ${JSON.stringify(text)}`);
  return { source: parts[0] ?? '', target: parts[1] ?? '', readOnly };
}

interface AddOptions {
  image: string;
  digest?: string;
  trust?: string;
  env: string[];
  volume: VolumeMount[];
  publish: PortMapping[];
  restart?: 'no' | 'always' | 'unless-stopped' | 'on-failure';
  network?: string;
  username?: string;
  passwordFile?: string;
  disabled?: boolean;
}

export function registerInstanceCommands(program: Command, ctx: () => CliContext): void {
  const instance = program
    .command('instance')
    .description('managed containers: run by Gatehouse, pinned by digest or by a verified tag');

  instance
    .command('add')
    .description('define an instance and (unless --disabled) pull, verify and run it')
    .argument('<name>', 'instance and container name')
    .argument('[command...]', 'the command to run (after --), default: the image’s')
    .requiredOption('--image <ref>', 'image reference, usually a tag: registry/team/app:1')
    .option('--digest <digest>', 'run exactly this digest (sha256:...)')
    .option('--trust <policy>', 'without --digest: verify the tag under this trust policy')
    .option('-e, --env <NAME=value>', 'environment variable; repeatable', collect(String), [])
    .option(
      '-v, --volume <src:dst[:ro]>',
      'bind mount or named volume; repeatable',
      collect(parseVolume),
      [],
    )
    .option(
      '-p, --publish <[ip:]host:container[/proto]>',
      'publish a port; repeatable',
      collect(parsePort),
      [],
    )
    .option(
      '--restart <policy>',
      'no, always, unless-stopped (default), on-failure',
      choice(['no', 'always', 'unless-stopped', 'on-failure']),
    )
    .option('--network <name>', 'network mode: bridge, host, none or a network name')
    .option('--username <user>', 'registry user for pulling')
    .option('--password-file <file>', 'registry password (- for stdin)')
    .option('--disabled', 'save it without running it')
    .action(async (name: string, command: string[], o: AddOptions) => {
      if ((o.username === undefined) !== (o.passwordFile === undefined))
        throw new UsageError('registry credentials need both --username and --password-file');
      const body: NewInstance = {
        name,
        image: o.image,
        enabled: !o.disabled,
        ...(o.digest ? { digest: o.digest } : {}),
        ...(o.trust ? { trustPolicy: o.trust } : {}),
        ...(o.username && o.passwordFile
          ? {
              credentials: {
                username: o.username,
                password: (
                  await readInput(o.passwordFile, {
                    maxBytes: PASSWORD_MAX_LENGTH,
                    what: 'a registry password',
                  })
                ).trim(),
              },
            }
          : {}),
        run: {
          ...(command.length ? { command } : {}),
          env: o.env,
          volumes: o.volume,
          ports: o.publish,
          ...(o.restart ? { restart: o.restart } : {}),
          ...(o.network ? { network: o.network } : {}),
        },
      };
      const { result } = await callApi(ctx(), 'instance.add', body);
      console.log(shown`added instance "${result.name}"`);
      reportRun(result);
    });

  instance
    .command('list')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const { result } = await callApi(ctx(), 'instance.list', {});
      if (o.json) return printJson(result);
      if (!result.length) console.log('no instances: add one with `gatehouse instance add`');
      for (const i of result) console.log(describe(i));
    });

  instance
    .command('enable')
    .argument('<name>')
    .description('pin (verifying the tag if there is no digest), pull and run it')
    .action(async (name: string) => {
      const { result } = await callApi(ctx(), 'instance.enable', { name });
      reportRun(result);
    });

  instance
    .command('disable')
    .argument('<name>')
    .description('stop and remove its container; its digest leaves the allowlist')
    .option('--dry-run', 'only say which containers would be stopped')
    .action(async (name: string, o: { dryRun?: boolean }) => {
      const { result } = await callApi(ctx(), 'instance.disable', { name, dryRun: !!o.dryRun });
      reportChange(shown`disabled instance "${name}"`, result);
    });

  instance
    .command('remove')
    .argument('<name>')
    .description('stop and remove its container and delete the definition')
    .option('--dry-run', 'only say which containers would be stopped')
    .action(async (name: string, o: { dryRun?: boolean }) => {
      const { result } = await callApi(ctx(), 'instance.remove', { name, dryRun: !!o.dryRun });
      reportChange(shown`removed instance "${name}"`, result);
    });

  instance
    .command('set')
    .argument('<name>')
    .description('change the enforcement digest, or clear it to verify the tag again')
    .option('--digest <digest>', 'pin this digest')
    .option('--clear-digest', 'forget the digest: the tag is verified and pinned again')
    .option('--dry-run', 'only say which containers would be stopped')
    .action(
      async (name: string, o: { digest?: string; clearDigest?: boolean; dryRun?: boolean }) => {
        if ((o.digest === undefined) === !o.clearDigest)
          throw new UsageError('give exactly one of --digest D and --clear-digest');
        const { result } = await callApi(ctx(), 'instance.set-digest', {
          name,
          digest: o.digest ?? null,
          dryRun: !!o.dryRun,
        });
        reportChange(shown`updated instance "${name}"`, result);
        if (!o.dryRun && result.instance?.enabled) reportRun(result.instance);
      },
    );
}

function describe(i: InstanceView): string {
  const pin = i.digest ? `@${short(i.digest)}` : i.trustPolicy ? ` (trust ${i.trustPolicy})` : '';
  const container = i.container ? `container ${i.container.state}` : 'no container';
  const problem = i.problem ? `: ${i.problem}` : '';
  return shown`${i.name}  ${i.enabled ? 'enabled ' : 'disabled'}  ${i.image}${pin}  ${container}${problem}`;
}

function reportRun(i: InstanceView): void {
  if (!i.enabled) return console.log(shown`instance "${i.name}" is disabled`);
  if (i.problem) {
    console.error(shown`instance "${i.name}" NOT running: ${i.problem}`);
    process.exitCode = 1;
    return;
  }
  console.log(
    shown`instance "${i.name}" runs ${i.image}@${i.digest ?? '?'} (container ${i.container?.state ?? 'missing'})`,
  );
}

function reportChange(done: string, change: InstanceChange): void {
  const stops = change.affected.map(
    (c) => shown`  ${c.containerName} (${c.containerId.slice(0, 12)}) ${c.imageRef}`,
  );
  if (change.dryRun) {
    console.log(
      stops.length
        ? `would stop ${stops.length} container(s) allowed only by this instance's digest:\n${stops.join('\n')}`
        : 'no other container depends on this instance’s digest',
    );
    return;
  }
  console.log(done);
  if (stops.length)
    console.log(
      `no longer allowed (only this instance's digest allowed them):\n${stops.join('\n')}`,
    );
}
