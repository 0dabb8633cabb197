import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import {
  createCrossplaneClaimApplyAction,
  createSandboxCreateAction,
  createSandboxDeleteAction,
  createSandboxRestoreAction,
  createSandboxSnapshotAction,
} from './actions';

/**
 * Adds the `sandbox:create`, `sandbox:delete`, `sandbox:snapshot`, `sandbox:restore` and `crossplane:claim:apply` actions to the scaffolder.
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
        config: coreServices.rootConfig,
      },
      async init({ scaffolder, discovery, auth, config }) {
        scaffolder.addActions(
          createSandboxCreateAction({ discovery, auth }),
          createSandboxDeleteAction({ discovery, auth }),
          createSandboxSnapshotAction({ discovery, auth }),
          createSandboxRestoreAction({ discovery, auth }),
          createCrossplaneClaimApplyAction({ config }),
        );
      },
    });
  },
});
