import { createFrontendPlugin } from '@backstage/frontend-plugin-api';
import {
  auditRouteRef,
  catalogEntityRouteRef,
  rootRouteRef,
  sandboxRouteRef,
  workspaceRouteRef,
  workspacesRouteRef,
} from '../routes';
import apis from './apis';
import pages from './pages';
import entityCards from './entityCards';

/**
 * The sandbox plugin: the sandbox list and detail pages, the workspaces list and
 * workspace pages, the audit log, their nav items ("Sandboxes", "Workspaces",
 * "Audit log"), the sandbox backend client and the sandbox entity card.
 */
export const sandboxPlugin = createFrontendPlugin({
  pluginId: 'sandbox',
  title: 'Sandboxes',
  info: { packageJson: () => import('../../package.json') },
  routes: {
    root: rootRouteRef,
    sandbox: sandboxRouteRef,
    workspaces: workspacesRouteRef,
    workspace: workspaceRouteRef,
    audit: auditRouteRef,
  },
  externalRoutes: {
    catalogEntity: catalogEntityRouteRef,
  },
  extensions: [...apis, ...pages, ...entityCards],
});
