/**
 * Billing page, nav item, backend client and Group entity card for the new frontend system.
 *
 * @packageDocumentation
 */
export { default } from './alpha';
export * from './alpha';
export * from './api';
export { rootRouteRef } from './routes';
