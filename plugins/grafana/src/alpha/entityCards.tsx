import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import {
  isGrafanaDashboardAvailable,
  isGrafanaPanelAvailable,
} from '../constants';

/** Embedded Grafana panels, on entities with `grafana/panel-urls`. */
export const grafanaPanelsEntityCard = EntityCardBlueprint.make({
  name: 'panels',
  params: {
    type: 'content',
    filter: entity => isGrafanaPanelAvailable(entity),
    loader: () =>
      import('../components/GrafanaPanelsCard').then(m => (
        <m.GrafanaPanelsCard />
      )),
  },
});

/** Dashboard links, on entities with `grafana/overview-dashboard` or `grafana/dashboard-selector`. */
export const grafanaDashboardsEntityCard = EntityCardBlueprint.make({
  name: 'dashboards',
  params: {
    type: 'info',
    filter: entity => isGrafanaDashboardAvailable(entity),
    loader: () =>
      import('../components/GrafanaDashboardsCard').then(m => (
        <m.GrafanaDashboardsCard />
      )),
  },
});

export default [grafanaPanelsEntityCard, grafanaDashboardsEntityCard];
