/**
 * Grafana panels and dashboard links on catalog entity pages (new frontend system).
 *
 * @packageDocumentation
 */
export { default } from './alpha';
export * from './alpha';
export * from './constants';
export { GrafanaPanel } from './components/GrafanaPanel';
export type { GrafanaPanelRef } from './lib/urls';
export {
  grafanaDashboardSearchUrl,
  grafanaDashboardUrl,
  grafanaPanelUrl,
  grafanaPanelViewUrl,
  normalizeBaseUrl,
  parsePanelRefs,
} from './lib/urls';
export { useGrafanaBaseUrl } from './lib/useGrafanaBaseUrl';
