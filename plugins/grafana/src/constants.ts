import type { Entity } from '@backstage/catalog-model';

/**
 * Grafana dashboard tags (comma separated): the entity links to Grafana's dashboard list filtered
 * by these tags, e.g. `grafana/dashboard-selector: sandbox-portal`.
 * @public
 */
export const GRAFANA_ANNOTATION_DASHBOARD_SELECTOR =
  'grafana/dashboard-selector';

/**
 * The entity's main dashboard: its uid, optionally with a query string of variables,
 * e.g. `grafana/overview-dashboard: sandbox-portal-sandboxes?var-workspace=team-a`.
 * @public
 */
export const GRAFANA_ANNOTATION_OVERVIEW_DASHBOARD =
  'grafana/overview-dashboard';

/**
 * Panels to embed on the entity page, separated by commas or whitespace. Each is either
 * `<dashboard uid>/<panel id>` with an optional query string (variables, time range),
 * e.g. `sandbox-portal-sandboxes/20?var-sandbox=sbx-1`, or a full `d-solo` URL (Grafana's
 * "Share → Embed") under `grafana.baseUrl`. Panels on other hosts are refused: an annotation
 * must not be able to frame an arbitrary site. Encode commas inside values as `%2C`.
 * @public
 */
export const GRAFANA_ANNOTATION_PANEL_URLS = 'grafana/panel-urls';

function annotation(entity: Entity, key: string): string | undefined {
  const value = entity?.metadata.annotations?.[key]?.trim();
  return value ? value : undefined;
}

/**
 * The dashboard tags of an entity (`grafana/dashboard-selector`), empty when unset.
 * @public
 */
export const dashboardSelectorFromEntity = (entity: Entity): string[] =>
  (annotation(entity, GRAFANA_ANNOTATION_DASHBOARD_SELECTOR) ?? '')
    .split(',')
    .map(tag => tag.trim())
    .filter(Boolean);

/**
 * The overview dashboard of an entity (`grafana/overview-dashboard`), if set.
 * @public
 */
export const overviewDashboardFromEntity = (
  entity: Entity,
): string | undefined =>
  annotation(entity, GRAFANA_ANNOTATION_OVERVIEW_DASHBOARD);

/**
 * The raw panel list of an entity (`grafana/panel-urls`), if set.
 * @public
 */
export const panelUrlsFromEntity = (entity: Entity): string | undefined =>
  annotation(entity, GRAFANA_ANNOTATION_PANEL_URLS);

/**
 * True when the entity names dashboard tags.
 * @public
 */
export const isDashboardSelectorAvailable = (entity: Entity): boolean =>
  dashboardSelectorFromEntity(entity).length > 0;

/**
 * True when the entity names an overview dashboard.
 * @public
 */
export const isOverviewDashboardAvailable = (entity: Entity): boolean =>
  overviewDashboardFromEntity(entity) !== undefined;

/**
 * True when the entity has something for the dashboards card (tags or an overview dashboard).
 * @public
 */
export const isGrafanaDashboardAvailable = (entity: Entity): boolean =>
  isDashboardSelectorAvailable(entity) || isOverviewDashboardAvailable(entity);

/**
 * True when the entity names panels to embed.
 * @public
 */
export const isGrafanaPanelAvailable = (entity: Entity): boolean =>
  panelUrlsFromEntity(entity) !== undefined;
