export const VIEWS = [
  'containers',
  'allowlist',
  'trust',
  'instances',
  'activity',
  'settings',
] as const;
export type ViewName = (typeof VIEWS)[number];

export interface Route {
  view: ViewName;
  /** The rest of the path, e.g. the container ID of `#/activity/<id>`. */
  param?: string;
}

/** `#/containers`, `#/activity/<containerId>`, ...; anything else is the Containers view. */
export function parseRoute(hash: string): Route {
  const [head = '', param] = hash.replace(/^#\/?/, '').split('/');
  const view = (VIEWS as readonly string[]).includes(head) ? (head as ViewName) : 'containers';
  if (!param) return { view };
  let decoded = param;
  try {
    decoded = decodeURIComponent(param);
  } catch {
    // keep it as typed
  }
  return { view, param: decoded };
}

export function routeHref(view: ViewName, param?: string): string {
  return param ? `#/${view}/${encodeURIComponent(param)}` : `#/${view}`;
}

/** A hash router: links are plain `<a href="#/view">`, so the browser's history works. */
export class HashRouter {
  route = $state<Route>({ view: 'containers' });
  #off: (() => void) | undefined;

  start(): this {
    const update = () => {
      this.route = parseRoute(window.location.hash);
    };
    update();
    window.addEventListener('hashchange', update);
    this.#off = () => window.removeEventListener('hashchange', update);
    return this;
  }

  dispose(): void {
    this.#off?.();
  }
}
