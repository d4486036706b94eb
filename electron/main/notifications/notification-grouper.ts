import type { DecisionRecord } from '../../../shared/api/schemas.js';
import { displayText } from '../../../shared/display-text.js';
import { decisionRoute, decisionSubject, subjectName } from '../decision-subject.js';
import { activityRoute } from '../windows/main-window.js';

/** A desktop notification; clicking it opens the window at `route`. */
export interface GatehouseNotification {
  title: string;
  body: string;
  route: string;
}

type Group = 'prevented' | 'stopped' | 'failed' | 'audited';

/**
 * Which notification a decision belongs to, if any. Allowed containers are not news. In audit
 * mode only starts are reported: a sweep (the app starting, a policy change) re-reports every
 * container already running, which the activity view lists without a notification each time.
 */
function groupOf(record: DecisionRecord): Group | undefined {
  if (record.decision === 'allowed') return undefined;
  if (record.decision === 'prevented') return 'prevented';
  if (record.actionError) return 'failed';
  if (record.decision === 'audited')
    return record.trigger.startsWith('sweep:') ? undefined : 'audited';
  return 'stopped';
}

function names(records: readonly DecisionRecord[]): string {
  const shown = records.slice(0, 3).map(subjectName);
  const more = records.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

function one(group: Group, r: DecisionRecord): GatehouseNotification {
  const route = decisionRoute(r);
  switch (group) {
    case 'prevented': {
      const action = r.trigger.replace(/^authz:/, '');
      return {
        title:
          action !== 'create'
            ? `Prevented ${action} of ${subjectName(r)}`
            : `Prevented ${r.containerName ? `container ${r.containerName}` : subjectName(r)}`,
        body: `${r.imageRef} is not allowed: Docker refused to ${action} ${action === 'create' ? 'it' : 'the container'} before anything ran. Click to approve the image.`,
        route,
      };
    }
    case 'stopped':
      return {
        title: `Stopped ${r.containerName}`,
        body:
          r.decision === 'quarantined'
            ? `${r.imageRef} is not allowed: the container was stopped and kept until it is approved.`
            : `${r.imageRef} is not allowed: the container was stopped and removed.`,
        route,
      };
    case 'failed':
      return { title: `Could not stop ${r.containerName}`, body: r.actionError ?? r.reason, route };
    case 'audited':
      return {
        title: `${r.containerName} would have been stopped`,
        body: `${r.imageRef} is not allowed. Audit mode: it keeps running.`,
        route,
      };
  }
}

function many(group: Group, records: readonly DecisionRecord[]): GatehouseNotification {
  const n = records.length;
  const route = activityRoute();
  switch (group) {
    case 'prevented':
      return { title: `Prevented ${n} containers`, body: names(records), route };
    case 'stopped':
      return { title: `${n} containers were stopped`, body: names(records), route };
    case 'failed':
      return { title: `Could not stop ${n} containers`, body: names(records), route };
    case 'audited':
      return {
        title: `${n} containers would have been stopped`,
        body: `${names(records)}. Audit mode: they keep running.`,
        route,
      };
  }
}

/**
 * The notifications for one burst of decisions: at most one per kind (refused by Docker,
 * stopped, could not be stopped, would have been stopped), naming the container when there is one, counting them
 * when there are several. None when notifications are turned off.
 */
export function notificationsFor(
  burst: readonly DecisionRecord[],
  enabled: boolean,
): GatehouseNotification[] {
  if (!enabled) return [];
  const groups = new Map<Group, DecisionRecord[]>();
  for (const record of burst) {
    const group = groupOf(record);
    if (!group) continue;
    // One container decided twice in a burst (create, then start) counts once: the latest.
    const subject = decisionSubject(record);
    const list = (groups.get(group) ?? []).filter((r) => decisionSubject(r) !== subject);
    groups.set(group, [...list, record]);
  }
  const order: Group[] = ['prevented', 'stopped', 'failed', 'audited'];
  return order.flatMap((group) => {
    const records = groups.get(group);
    if (!records?.length) return [];
    const n = records.length === 1 ? one(group, records[0]!) : many(group, records);
    // Names, images and reasons come from Docker: no control character reaches the desktop.
    return [{ ...n, title: displayText(n.title), body: displayText(n.body) }];
  });
}

export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: Timers = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface GrouperOptions {
  /** The notifications setting, read at each decision and again when a burst is shown. */
  enabled(): boolean;
  show(notification: GatehouseNotification): void;
  /** How long after the first decision of a burst it is shown. */
  windowMs?: number;
  timers?: Timers;
}

/**
 * Decisions in, notifications out: the first decision opens a window of `windowMs`; every
 * decision within it joins the burst, shown as one notification per kind when it closes
 * ("5 containers were stopped" rather than five).
 */
export class NotificationGrouper {
  readonly #options: GrouperOptions;
  readonly #timers: Timers;
  #burst: DecisionRecord[] = [];
  #timer: unknown;

  constructor(options: GrouperOptions) {
    this.#options = options;
    this.#timers = options.timers ?? realTimers;
  }

  push(record: DecisionRecord): void {
    if (!groupOf(record) || !this.#options.enabled()) return;
    this.#burst.push(record);
    this.#timer ??= this.#timers.set(() => this.flush(), this.#options.windowMs ?? 1_500);
  }

  /** Shows the burst now (the window's timer calls this). */
  flush(): void {
    if (this.#timer !== undefined) this.#timers.clear(this.#timer);
    this.#timer = undefined;
    const burst = this.#burst;
    this.#burst = [];
    for (const n of notificationsFor(burst, this.#options.enabled())) this.#options.show(n);
  }

  /** Drops a pending burst (the app is quitting). */
  dispose(): void {
    if (this.#timer !== undefined) this.#timers.clear(this.#timer);
    this.#timer = undefined;
    this.#burst = [];
  }
}
