export { GrafanaPanel } from './GrafanaPanel';
