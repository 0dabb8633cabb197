import {
  RESOURCE_TYPE_SANDBOX,
  RESOURCE_TYPE_SANDBOX_WORKSPACE,
  WorkspaceMember,
} from '@internal/plugin-sandbox-common';
import { createPermissionResourceRef } from '@backstage/plugin-permission-node';

/** What permission rules see of a sandbox: where it lives, who owns it, who is in its workspace. */
export interface SandboxPermissionResource {
  id: string;
  workspace: string;
  owner: string;
  members: WorkspaceMember[];
}

/** What permission rules see of a workspace. */
export interface WorkspacePermissionResource {
  name: string;
  members: WorkspaceMember[];
}

/** Rules are evaluated on loaded resources only (no query translation): the filter is a no-op shape. */
export type SandboxPermissionQuery = { rule: string; params: unknown };

export const sandboxResourceRef = createPermissionResourceRef<
  SandboxPermissionResource,
  SandboxPermissionQuery
>().with({ pluginId: 'sandbox', resourceType: RESOURCE_TYPE_SANDBOX });

export const workspaceResourceRef = createPermissionResourceRef<
  WorkspacePermissionResource,
  SandboxPermissionQuery
>().with({ pluginId: 'sandbox', resourceType: RESOURCE_TYPE_SANDBOX_WORKSPACE });
