import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';

/**
 * The portal's permission policy. For now every request is allowed (the permission framework is
 * on, so plugins already ask it); the workspace issue replaces the body with decisions resolved
 * from workspace roles. Decisions are logged at debug level so operators can see what is asked.
 */
export class PortalPermissionPolicy implements PermissionPolicy {
  constructor(private readonly logger?: { debug(message: string): void }) {}

  async handle(request: PolicyQuery, user?: PolicyQueryUser): Promise<PolicyDecision> {
    this.logger?.debug(
      `permission ${request.permission.name} for ${user?.info.userEntityRef ?? 'service'}: ALLOW`,
    );
    return { result: AuthorizeResult.ALLOW };
  }
}

export const permissionPolicyModule = createBackendModule({
  pluginId: 'permission',
  moduleId: 'portal-policy',
  register({ registerInit }) {
    registerInit({
      deps: { policy: policyExtensionPoint, logger: coreServices.logger },
      async init({ policy, logger }) {
        policy.setPolicy(new PortalPermissionPolicy(logger));
      },
    });
  },
});
