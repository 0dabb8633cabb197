import { createFrontendPlugin } from '@backstage/frontend-plugin-api';
import entityCards from './entityCards';

/**
 * The Grafana plugin: embedded panels and dashboard links on catalog entity pages, gated by the
 * entity's `grafana/*` annotations, pointing at `grafana.baseUrl`.
 */
export const grafanaPlugin = createFrontendPlugin({
  pluginId: 'grafana',
  title: 'Grafana',
  info: { packageJson: () => import('../../package.json') },
  extensions: [...entityCards],
});
