import { createExternalRouteRef, createRouteRef } from '@backstage/frontend-plugin-api';

/** The sandboxes list, `/sandboxes`. */
export const rootRouteRef = createRouteRef();

/** One sandbox, `/sandboxes/:id`. */
export const sandboxRouteRef = createRouteRef({ params: ['id'] });

/** A catalog entity page; bound to the catalog plugin's entity page by default. */
export const catalogEntityRouteRef = createExternalRouteRef({
  params: ['namespace', 'kind', 'name'],
  defaultTarget: 'catalog.catalogEntity',
});

/** The workspaces list, `/workspaces`. */
export const workspacesRouteRef = createRouteRef();

/** One workspace, `/workspaces/:name`. */
export const workspaceRouteRef = createRouteRef({ params: ['name'] });

/** The audit log, `/audit`. */
export const auditRouteRef = createRouteRef();
