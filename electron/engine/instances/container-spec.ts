import type { ContainerCreateOptions } from 'dockerode';
import type { Instance } from '../../../shared/api/instance-schemas.js';
import type { Digest } from '../../../shared/digest.js';
import { parseImageReference } from '../../../shared/image-reference.js';

/** The label that marks a managed container; its value is the instance's name. */
export const INSTANCE_LABEL = 'dev.gatehouse.instance';
/** The digest the container was created from, so a changed pin is noticed. */
export const INSTANCE_DIGEST_LABEL = 'dev.gatehouse.instance.digest';

/** `registry/repo@sha256:...`: exactly what is pulled and run, never the tag. */
export function pinnedReference(image: string, digest: Digest): string {
  return `${parseImageReference(image).repository}@${digest}`;
}

/** Docker's create request for an instance, pinned to `digest`. */
export function containerSpec(instance: Instance, digest: Digest): ContainerCreateOptions {
  const { run } = instance;
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of run.ports) {
    const key = `${p.containerPort}/${p.protocol}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: p.hostIp ?? '127.0.0.1', HostPort: String(p.hostPort) });
  }
  return {
    name: instance.name,
    Image: pinnedReference(instance.image, digest),
    ...(run.command ? { Cmd: run.command } : {}),
    Env: run.env,
    Labels: { [INSTANCE_LABEL]: instance.name, [INSTANCE_DIGEST_LABEL]: digest },
    ExposedPorts: exposed,
    HostConfig: {
      Binds: run.volumes.map((v) => `${v.source}:${v.target}${v.readOnly ? ':ro' : ''}`),
      PortBindings: bindings,
      RestartPolicy: { Name: run.restart },
      ...(run.network ? { NetworkMode: run.network } : {}),
    },
  };
}
