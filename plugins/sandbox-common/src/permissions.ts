import { createPermission } from '@backstage/plugin-permission-common';

/** Resource type of sandbox permissions; resourceRef = sandbox id. */
export const RESOURCE_TYPE_SANDBOX = 'sandbox';
/** Resource type of workspace permissions; resourceRef = workspace name. */
export const RESOURCE_TYPE_SANDBOX_WORKSPACE = 'sandbox-workspace';

/** Creating a sandbox is decided per workspace (resourceRef = workspace name). */
export const sandboxCreatePermission = createPermission({
  name: 'sandbox.create',
  attributes: { action: 'create' },
  resourceType: RESOURCE_TYPE_SANDBOX_WORKSPACE,
});

export const sandboxReadPermission = createPermission({
  name: 'sandbox.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_SANDBOX,
});

export const sandboxUpdatePermission = createPermission({
  name: 'sandbox.update',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_SANDBOX,
});

export const sandboxDeletePermission = createPermission({
  name: 'sandbox.delete',
  attributes: { action: 'delete' },
  resourceType: RESOURCE_TYPE_SANDBOX,
});

/** Running commands inside a sandbox is its own permission: it is stronger than update. */
export const sandboxExecPermission = createPermission({
  name: 'sandbox.exec',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_SANDBOX,
});

/** Any signed-in user may create a workspace (and becomes its owner) unless the policy says no. */
export const workspaceCreatePermission = createPermission({
  name: 'sandbox.workspace.create',
  attributes: { action: 'create' },
});

export const workspaceReadPermission = createPermission({
  name: 'sandbox.workspace.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_SANDBOX_WORKSPACE,
});

/** Rename, archive, plan, members. */
export const workspaceManagePermission = createPermission({
  name: 'sandbox.workspace.manage',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_SANDBOX_WORKSPACE,
});

/** Overriding a workspace's quota: portal administrators only, by default. */
export const quotaOverridePermission = createPermission({
  name: 'sandbox.quota.override',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_SANDBOX_WORKSPACE,
});

export const billingReadPermission = createPermission({
  name: 'sandbox.billing.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_SANDBOX_WORKSPACE,
});

/** Reading the audit log across workspaces (a workspace's own log needs workspace.manage). */
export const auditReadPermission = createPermission({
  name: 'sandbox.audit.read',
  attributes: { action: 'read' },
});

export const sandboxPermissions = [
  sandboxCreatePermission,
  sandboxReadPermission,
  sandboxUpdatePermission,
  sandboxDeletePermission,
  sandboxExecPermission,
];

export const workspacePermissions = [
  workspaceCreatePermission,
  workspaceReadPermission,
  workspaceManagePermission,
  quotaOverridePermission,
  billingReadPermission,
];

export const allSandboxPortalPermissions = [...sandboxPermissions, ...workspacePermissions, auditReadPermission];
