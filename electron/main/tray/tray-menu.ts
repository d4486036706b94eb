import type { MenuItemConstructorOptions } from 'electron';
import type { EngineStatus } from '../../../shared/api/channels.js';
import type { DecisionRecord, Mode } from '../../../shared/api/schemas.js';
import { decisionRoute, decisionSubject } from '../decision-subject.js';
import { trayStatusLine } from './tray-icon.js';
import { displayText } from '../../../shared/display-text.js';

export interface TrayState {
  status: Pick<EngineStatus, 'enforcement' | 'connection'>;
  /** Newest first; see `rememberBlocked`. */
  recentBlocked: readonly DecisionRecord[];
  /** undefined: this platform cannot start the app at login. */
  startAtLogin: boolean | undefined;
}

export interface TrayActions {
  setEnforcement(enabled: boolean): void;
  setMode(mode: Mode): void;
  openWindow(route?: string): void;
  setStartAtLogin(enabled: boolean): void;
  quit(): void;
}

/** How many blocked containers the menu lists. */
export const RECENT_BLOCKED_LIMIT = 5;

const MODES: readonly { mode: Mode; label: string }[] = [
  { mode: 'enforce', label: 'Enforce: stop and remove' },
  { mode: 'quarantine', label: 'Quarantine: stop and keep' },
  { mode: 'audit', label: 'Audit: report only' },
];

/**
 * A decision the menu lists: the container was, or (audit) would have been, stopped, or Docker
 * refused it (prevented).
 */
export function isBlocked(record: DecisionRecord): boolean {
  return record.decision !== 'allowed';
}

/**
 * The recently blocked list after one more decision: newest first, one entry per container
 * (per name and image for refused creates, which have no container), at most `limit`. A
 * container that is now allowed (approved) leaves the list.
 */
export function rememberBlocked(
  list: readonly DecisionRecord[],
  record: DecisionRecord,
  limit = RECENT_BLOCKED_LIMIT,
): DecisionRecord[] {
  const subject = decisionSubject(record);
  const others = list.filter((r) => decisionSubject(r) !== subject);
  return (isBlocked(record) ? [record, ...others] : others).slice(0, limit);
}

/** The list from the decision log at start-up (oldest first, as DecisionLog.read gives it). */
export function recentBlockedFromLog(
  records: readonly DecisionRecord[],
  limit = RECENT_BLOCKED_LIMIT,
): DecisionRecord[] {
  return records.reduce<DecisionRecord[]>((list, r) => rememberBlocked(list, r, limit), []);
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * A menu label: `&` would be read as an access-key marker on Windows and Linux, and names and
 * images come from Docker, so control characters are shown escaped.
 */
function label(text: string): string {
  return displayText(text).replaceAll('&', '&&');
}

function blockedLabel(record: DecisionRecord): string {
  const what =
    record.decision === 'prevented'
      ? `${record.trigger.replace(/^authz:/, '')} refused, approve…`
      : record.decision === 'audited'
        ? 'would be stopped'
        : record.actionError
          ? 'could not be stopped'
          : record.decision;
  // A refused create has no container, only the name it asked for (if any).
  const name = record.containerName || 'new container';
  return label(`${shorten(name, 32)} (${shorten(record.imageRef, 40)}): ${what}`);
}

/**
 * The tray's menu for a state. Pure: Electron builds it with Menu.buildFromTemplate, and each
 * click calls one of the injected actions. Built afresh on every change, so a checkbox or
 * radio reflects the engine's state, never the menu's own toggling.
 */
export function trayMenuTemplate(
  state: TrayState,
  actions: TrayActions,
): MenuItemConstructorOptions[] {
  const { enforcement } = state.status;
  const blocked: MenuItemConstructorOptions[] = state.recentBlocked.length
    ? state.recentBlocked.slice(0, RECENT_BLOCKED_LIMIT).map((record) => ({
        label: blockedLabel(record),
        click: () => actions.openWindow(decisionRoute(record)),
      }))
    : [{ label: 'Nothing blocked recently', enabled: false }];
  return [
    { label: label(trayStatusLine(state.status)), enabled: false },
    { type: 'separator' },
    {
      label: 'Enforce the allowlist',
      type: 'checkbox',
      checked: enforcement.enabled,
      click: () => actions.setEnforcement(!enforcement.enabled),
    },
    ...MODES.map(({ mode, label: text }): MenuItemConstructorOptions => ({
      label: text,
      type: 'radio',
      checked: enforcement.mode === mode,
      // Electron calls click on the radio already checked too: that is not a change.
      click: () => {
        if (enforcement.mode !== mode) actions.setMode(mode);
      },
    })),
    { type: 'separator' },
    { label: 'Recently blocked', enabled: false },
    ...blocked,
    { type: 'separator' },
    { label: 'Open Gatehouse', click: () => actions.openWindow() },
    ...(state.startAtLogin === undefined
      ? []
      : [
          {
            label: 'Start at login',
            type: 'checkbox',
            checked: state.startAtLogin,
            click: () => actions.setStartAtLogin(!state.startAtLogin),
          } satisfies MenuItemConstructorOptions,
        ]),
    { type: 'separator' },
    { label: 'Quit Gatehouse', click: () => actions.quit() },
  ];
}
