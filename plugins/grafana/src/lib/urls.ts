/**
 * Grafana URLs, built only from `grafana.baseUrl` and entity annotations. Everything that ends up
 * in an iframe `src` starts with the configured base URL: annotations pick dashboards and panels,
 * never hosts.
 */

/** One panel of one dashboard, with extra query parameters (variables, time range, orgId). */
export interface GrafanaPanelRef {
  dashboardUid: string;
  panelId: number;
  params: Array<[string, string]>;
}

/** Grafana dashboard uids: at most 40 characters of letters, digits, `-` and `_`. */
const DASHBOARD_UID = /^[A-Za-z0-9_-]{1,40}$/;
const PANEL_REF = /^([A-Za-z0-9_-]{1,40})\/(\d{1,9})(?:\?(.*))?$/;

/** The time range used when neither the annotation nor the caller sets one. */
export const DEFAULT_TIME_RANGE = { from: 'now-6h', to: 'now' } as const;

/**
 * `grafana.baseUrl` without trailing slashes, or undefined when unset or not an absolute
 * http(s) URL (a `javascript:` or relative base must not reach an iframe).
 */
export function normalizeBaseUrl(
  value: string | undefined,
): string | undefined {
  if (!value) {
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.search ||
    url.hash
  ) {
    return undefined;
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

function queryPairs(query: string | undefined): Array<[string, string]> {
  return [...new URLSearchParams(query ?? '').entries()].filter(
    ([key]) => key !== 'panelId',
  );
}

/** Reads one entry of `grafana/panel-urls`; undefined when it is malformed or on another host. */
export function parsePanelRef(
  entry: string,
  baseUrl: string,
): GrafanaPanelRef | undefined {
  if (/^https?:\/\//i.test(entry)) {
    const prefix = `${baseUrl}/d-solo/`;
    if (!entry.startsWith(prefix)) {
      return undefined;
    }
    const url = new URL(entry);
    const dashboardUid = entry.slice(prefix.length).split(/[/?#]/)[0];
    const panelId = Number(url.searchParams.get('panelId'));
    if (
      !DASHBOARD_UID.test(dashboardUid) ||
      !Number.isInteger(panelId) ||
      panelId < 1
    ) {
      return undefined;
    }
    return { dashboardUid, panelId, params: queryPairs(url.search) };
  }
  const match = PANEL_REF.exec(entry);
  if (!match) {
    return undefined;
  }
  return {
    dashboardUid: match[1],
    panelId: Number(match[2]),
    params: queryPairs(match[3]),
  };
}

/** Reads the whole `grafana/panel-urls` annotation: the panels, and the entries it refused. */
export function parsePanelRefs(
  annotation: string | undefined,
  baseUrl: string,
): { panels: GrafanaPanelRef[]; invalid: string[] } {
  const panels: GrafanaPanelRef[] = [];
  const invalid: string[] = [];
  for (const entry of (annotation ?? '').split(/[\s,]+/).filter(Boolean)) {
    const ref = parsePanelRef(entry, baseUrl);
    if (ref) {
      panels.push(ref);
    } else {
      invalid.push(entry);
    }
  }
  return { panels, invalid };
}

function withDefaults(
  params: Array<[string, string]>,
  extra: Record<string, string | undefined>,
) {
  const search = new URLSearchParams(params);
  for (const [key, value] of Object.entries(extra)) {
    if (value !== undefined && !search.has(key)) {
      search.set(key, value);
    }
  }
  return search;
}

/**
 * The embeddable URL of a panel: `<base>/d-solo/<uid>?panelId=<id>&<params>&from=..&to=..&theme=..`.
 * The annotation's own `from`, `to` and `theme` win over the defaults.
 */
export function grafanaPanelUrl(
  baseUrl: string,
  ref: GrafanaPanelRef,
  options: { theme?: 'light' | 'dark' } = {},
): string {
  const search = withDefaults(
    [['panelId', String(ref.panelId)], ...ref.params],
    {
      ...DEFAULT_TIME_RANGE,
      theme: options.theme,
    },
  );
  return `${baseUrl}/d-solo/${encodeURIComponent(ref.dashboardUid)}?${search}`;
}

/** The panel on its dashboard in Grafana (`viewPanel`), for "open in Grafana" links. */
export function grafanaPanelViewUrl(
  baseUrl: string,
  ref: GrafanaPanelRef,
): string {
  const search = withDefaults(
    [['viewPanel', String(ref.panelId)], ...ref.params],
    {},
  );
  return `${baseUrl}/d/${encodeURIComponent(ref.dashboardUid)}?${search}`;
}

/**
 * The URL of a dashboard named `<uid>` or `<uid>?<query>` (`grafana/overview-dashboard`);
 * undefined when the uid is malformed.
 */
export function grafanaDashboardUrl(
  baseUrl: string,
  dashboard: string,
): string | undefined {
  const [uid, query] = dashboard.split(/\?(.*)/s);
  if (!DASHBOARD_UID.test(uid)) {
    return undefined;
  }
  const search = new URLSearchParams(query ?? '').toString();
  return `${baseUrl}/d/${encodeURIComponent(uid)}${search ? `?${search}` : ''}`;
}

/** Grafana's dashboard list filtered by tags (all of them). */
export function grafanaDashboardSearchUrl(
  baseUrl: string,
  tags: string[],
): string {
  const search = new URLSearchParams(tags.map(tag => ['tag', tag]));
  return `${baseUrl}/dashboards?${search}`;
}
