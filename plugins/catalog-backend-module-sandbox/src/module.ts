import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { SandboxListClient } from './client/SandboxListClient';
import { SandboxEntityProvider } from './provider/SandboxEntityProvider';

/**
 * Adds the sandbox entity provider to the catalog: every live sandbox becomes a `Resource`.
 *
 * @public
 */
export const catalogModuleSandboxEntities = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'sandbox-entities',
  register({ registerInit }) {
    registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        lifecycle: coreServices.lifecycle,
        events: eventsServiceRef,
      },
      async init({
        catalog,
        discovery,
        auth,
        logger,
        scheduler,
        lifecycle,
        events,
      }) {
        const provider = new SandboxEntityProvider({
          lister: new SandboxListClient({ discovery, auth }),
          logger,
          scheduler,
          events,
        });
        catalog.addEntityProvider(provider);
        lifecycle.addShutdownHook(() => provider.stop());
      },
    });
  },
});
