import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import {
  createSandboxCreateAction,
  createSandboxDeleteAction,
} from './actions';

/**
 * Adds the `sandbox:create` and `sandbox:delete` actions to the scaffolder.
 *
 * @public
 */
export const scaffolderModuleSandbox = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'sandbox',
  register({ registerInit }) {
    registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
      },
      async init({ scaffolder, discovery, auth }) {
        scaffolder.addActions(
          createSandboxCreateAction({ discovery, auth }),
          createSandboxDeleteAction({ discovery, auth }),
        );
      },
    });
  },
});
