import { createPermission } from '@backstage/plugin-permission-common';

/** Resource type of sandbox permissions (conditional decisions filter by workspace/owner). */
export const RESOURCE_TYPE_SANDBOX = 'sandbox';

export const sandboxCreatePermission = createPermission({
  name: 'sandbox.create',
  attributes: { action: 'create' },
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

export const sandboxPermissions = [
  sandboxCreatePermission,
  sandboxReadPermission,
  sandboxUpdatePermission,
  sandboxDeletePermission,
  sandboxExecPermission,
];
