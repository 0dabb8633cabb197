import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  isPermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  createSandboxConditionalDecision,
  createWorkspaceConditionalDecision,
  sandboxConditions,
  workspaceConditions,
} from '@internal/plugin-sandbox-backend';
import {
  auditReadPermission,
  billingReadPermission,
  quotaOverridePermission,
  ROLES_THAT_CREATE_SANDBOXES,
  ROLES_THAT_MANAGE_WORKSPACE,
  ROLES_THAT_READ,
  sandboxBackupCreatePermission,
  sandboxBackupDeletePermission,
  sandboxBackupReadPermission,
  sandboxBackupRestorePermission,
  sandboxCreatePermission,
  sandboxDeletePermission,
  sandboxExecPermission,
  sandboxReadPermission,
  sandboxUpdatePermission,
  workspaceManagePermission,
  workspaceReadPermission,
} from '@internal/plugin-sandbox-common';

/**
 * The portal's permission policy.
 * - Portal administrators (`sandbox.admins`: group or user refs) may do everything.
 * - Sandbox and workspace permissions resolve from workspace roles, as conditional decisions the
 *   sandbox backend evaluates against the workspace's members (users, or catalog groups whose
 *   membership follows the catalog):
 *   viewer reads; member also creates sandboxes and manages its own; admin and owner manage every
 *   sandbox, the workspace and its members; quota overrides and the global audit log are for
 *   portal administrators only.
 * - Everything else (catalog, scaffolder, ...) is allowed to signed-in users.
 */
export class PortalPermissionPolicy implements PermissionPolicy {
  private readonly admins: Set<string>;

  constructor(
    options: { admins?: string[] } = {},
    private readonly logger?: { debug(message: string): void },
  ) {
    this.admins = new Set((options.admins ?? []).map(a => a.toLowerCase()));
  }

  async handle(request: PolicyQuery, user?: PolicyQueryUser): Promise<PolicyDecision> {
    const decision = this.decide(request, user);
    this.logger?.debug(
      `permission ${request.permission.name} for ${user?.info.userEntityRef ?? 'anonymous'}: ${decision.result}`,
    );
    return decision;
  }

  private decide(request: PolicyQuery, user?: PolicyQueryUser): PolicyDecision {
    const { permission } = request;
    const claims = user ? [user.info.userEntityRef, ...user.info.ownershipEntityRefs] : [];
    if (claims.some(c => this.admins.has(c.toLowerCase()))) {
      return { result: AuthorizeResult.ALLOW };
    }
    const roles = (r: readonly string[]) => ({ claims, roles: [...r] as any });

    if (isPermission(permission, sandboxReadPermission) || isPermission(permission, sandboxBackupReadPermission)) {
      return createSandboxConditionalDecision(permission, sandboxConditions.hasWorkspaceRole(roles(ROLES_THAT_READ)));
    }
    if (
      isPermission(permission, sandboxUpdatePermission) ||
      isPermission(permission, sandboxDeletePermission) ||
      isPermission(permission, sandboxExecPermission) ||
      isPermission(permission, sandboxBackupCreatePermission) ||
      isPermission(permission, sandboxBackupRestorePermission) ||
      isPermission(permission, sandboxBackupDeletePermission)
    ) {
      return createSandboxConditionalDecision(permission, {
        anyOf: [
          sandboxConditions.hasWorkspaceRole(roles(ROLES_THAT_MANAGE_WORKSPACE)),
          {
            allOf: [
              sandboxConditions.hasWorkspaceRole(roles(['member'])),
              sandboxConditions.isSandboxOwner({ claims }),
            ],
          },
        ],
      });
    }
    if (isPermission(permission, sandboxCreatePermission)) {
      return createWorkspaceConditionalDecision(permission, workspaceConditions.hasWorkspaceRole(roles(ROLES_THAT_CREATE_SANDBOXES)));
    }
    if (isPermission(permission, workspaceReadPermission)) {
      return createWorkspaceConditionalDecision(permission, workspaceConditions.hasWorkspaceRole(roles(ROLES_THAT_READ)));
    }
    if (isPermission(permission, workspaceManagePermission) || isPermission(permission, billingReadPermission)) {
      return createWorkspaceConditionalDecision(permission, workspaceConditions.hasWorkspaceRole(roles(ROLES_THAT_MANAGE_WORKSPACE)));
    }
    if (isPermission(permission, quotaOverridePermission) || isPermission(permission, auditReadPermission)) {
      return { result: AuthorizeResult.DENY };
    }
    return { result: AuthorizeResult.ALLOW };
  }
}

export const permissionPolicyModule = createBackendModule({
  pluginId: 'permission',
  moduleId: 'portal-policy',
  register({ registerInit }) {
    registerInit({
      deps: { policy: policyExtensionPoint, logger: coreServices.logger, config: coreServices.rootConfig },
      async init({ policy, logger, config }) {
        policy.setPolicy(
          new PortalPermissionPolicy({ admins: config.getOptionalStringArray('sandbox.admins') ?? [] }, logger),
        );
      },
    });
  },
});
