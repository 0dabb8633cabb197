/**
 * Catalog module that puts every live sandbox into the catalog as a `Resource` of type
 * `sandbox`, read from the sandbox backend's REST API.
 *
 * @packageDocumentation
 */
export { catalogModuleSandboxEntities as default } from './module';
export {
  SandboxEntityProvider,
  DEFAULT_SANDBOX_ENTITY_SCHEDULE,
  type SandboxEntityProviderOptions,
  type SandboxLister,
} from './provider/SandboxEntityProvider';
export { sandboxToEntity } from './provider/sandboxToEntity';
export { SandboxListClient } from './client/SandboxListClient';
