import { createFrontendPlugin } from '@backstage/frontend-plugin-api';
import { rootRouteRef } from '../routes';
import apis from './apis';
import pages from './pages';
import entityCards from './entityCards';

/**
 * The billing plugin: the `/billing` page (its "Billing" nav item), the billing backend client and
 * the Billing card of Group entity pages.
 */
export const billingPlugin = createFrontendPlugin({
  pluginId: 'billing',
  title: 'Billing',
  info: { packageJson: () => import('../../package.json') },
  routes: { root: rootRouteRef },
  extensions: [...apis, ...pages, ...entityCards],
});
