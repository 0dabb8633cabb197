/**
 * Scaffolder actions for sandboxes: `sandbox:create` and `sandbox:delete`, calling the sandbox
 * backend's REST API on behalf of the user who runs the template.
 *
 * @packageDocumentation
 */
export * from './actions';
export { scaffolderModuleSandbox as default } from './module';
