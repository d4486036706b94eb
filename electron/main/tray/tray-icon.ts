import type { EngineStatus } from '../../../shared/api/channels.js';
import type { DecisionRecord } from '../../../shared/api/schemas.js';
import { displayText } from '../../../shared/display-text.js';

export const TRAY_ICON_BASES = ['enforcing', 'audit', 'off', 'docker-unreachable'] as const;
export type TrayIconBase = (typeof TRAY_ICON_BASES)[number];
export type TrayIconName = TrayIconBase | `${TrayIconBase}-alert`;

/** Every icon the tray can show: build/icons/tray/<name>.png (and <name>@2x.png). */
export const TRAY_ICON_NAMES: readonly TrayIconName[] = TRAY_ICON_BASES.flatMap((base) => [
  base,
  `${base}-alert` as const,
]);

type IconStatus = Pick<EngineStatus, 'enforcement' | 'connection'>;

/**
 * The tray's icon for the engine's state. Enforcement off wins (nothing is guarded, whatever
 * Docker does); then an unreachable Docker (nothing can be guarded); then the mode: audit only
 * reports, enforce and quarantine both stop containers. While the engine is still connecting
 * the mode's icon shows: a red icon for every start-up would teach users to ignore it.
 * The alert variant marks that a container was stopped since the window was last opened.
 */
export function trayIconName(status: IconStatus, alert: boolean): TrayIconName {
  const base: TrayIconBase = !status.enforcement.enabled
    ? 'off'
    : status.connection.state === 'disconnected'
      ? 'docker-unreachable'
      : status.enforcement.mode === 'audit'
        ? 'audit'
        : 'enforcing';
  return alert ? `${base}-alert` : base;
}

/** One line for the tray's tooltip and the first (disabled) menu item. */
export function trayStatusLine(status: IconStatus): string {
  if (!status.enforcement.enabled) return 'Gatehouse: enforcement is off';
  if (status.connection.state === 'disconnected')
    return `Gatehouse: Docker unreachable (${displayText(status.connection.dockerHost)}), retrying`;
  switch (status.enforcement.mode) {
    case 'audit':
      return 'Gatehouse: audit mode, reporting only';
    case 'quarantine':
      return 'Gatehouse: enforcing, quarantine mode';
    case 'enforce':
      return 'Gatehouse: enforcing, enforce mode';
  }
}

export type AlertEvent = { kind: 'decision'; record: DecisionRecord } | { kind: 'window-opened' };

/**
 * The alert is raised when a container was actually stopped, or Docker refused one (prevention
 * mode), and cleared by opening the window.
 */
export function nextAlert(alert: boolean, event: AlertEvent): boolean {
  if (event.kind === 'window-opened') return false;
  const { decision, actionError } = event.record;
  const blocked = decision === 'removed' || decision === 'quarantined' || decision === 'prevented';
  return alert || (blocked && !actionError);
}
