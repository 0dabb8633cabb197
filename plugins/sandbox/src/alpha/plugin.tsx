import { createFrontendPlugin } from '@backstage/frontend-plugin-api';
import { catalogEntityRouteRef, rootRouteRef, sandboxRouteRef } from '../routes';
import apis from './apis';
import pages from './pages';
import entityCards from './entityCards';

/**
 * The sandbox plugin: the sandbox list and detail pages, the "Sandboxes" nav
 * item, the sandbox backend client and the sandbox entity card.
 */
export const sandboxPlugin = createFrontendPlugin({
  pluginId: 'sandbox',
  title: 'Sandboxes',
  info: { packageJson: () => import('../../package.json') },
  routes: {
    root: rootRouteRef,
    sandbox: sandboxRouteRef,
  },
  externalRoutes: {
    catalogEntity: catalogEntityRouteRef,
  },
  extensions: [...apis, ...pages, ...entityCards],
});
