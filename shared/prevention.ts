/** Where `gatehouse daemon --authz-socket` serves the authorization plugin by default. */
export const DEFAULT_AUTHZ_SOCKET = '/run/gatehouse/authz.sock';

/**
 * The commands that turn prevention on, in order: serve the plugin, then have dockerd ask it.
 * The faces show them while it is off (plain text, no zod: the renderer imports this).
 */
export const PREVENTION_ON_COMMANDS = [
  `gatehouse daemon --authz-socket ${DEFAULT_AUTHZ_SOCKET}`,
  'sudo gatehouse authz install',
] as const;
