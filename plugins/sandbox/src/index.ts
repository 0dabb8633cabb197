/**
 * Sandbox pages, nav item, backend client and entity card for the new frontend system.
 *
 * @packageDocumentation
 */
export { default } from './alpha';
export * from './alpha';
export * from './api';
export {
  rootRouteRef,
  sandboxRouteRef,
  catalogEntityRouteRef,
  workspacesRouteRef,
  workspaceRouteRef,
  auditRouteRef,
} from './routes';
export {
  SANDBOX_ID_ANNOTATION,
  SANDBOX_RESOURCE_TYPE,
  isSandboxEntity,
  sandboxIdFromEntity,
} from './constants';
