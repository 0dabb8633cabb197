export { GrafanaDashboardsCard } from './GrafanaDashboardsCard';
