import { createPermissionRule } from '@backstage/plugin-permission-node';
import { WORKSPACE_ROLES, WorkspaceMember } from '@internal/plugin-sandbox-common';
import { z } from 'zod';
import { sandboxResourceRef, workspaceResourceRef } from './resources';

const claimsAndRoles = z.object({
  claims: z.array(z.string()).describe('Entity refs of the caller: the user and its groups'),
  roles: z.array(z.enum(WORKSPACE_ROLES)).describe('Workspace roles that grant the permission'),
});

function holdsRole(members: WorkspaceMember[], claims: string[], roles: readonly string[]) {
  const lower = new Set(claims.map(c => c.toLowerCase()));
  return members.some(m => lower.has(m.memberRef.toLowerCase()) && roles.includes(m.role));
}

/** The caller (or one of its groups) holds one of `roles` in the sandbox's workspace. */
export const sandboxHasWorkspaceRole = createPermissionRule({
  name: 'HAS_WORKSPACE_ROLE',
  description: "Allow when the caller holds one of the given roles in the sandbox's workspace",
  resourceRef: sandboxResourceRef,
  paramsSchema: claimsAndRoles,
  apply: (sandbox, { claims, roles }) => holdsRole(sandbox.members, claims, roles),
  toQuery: params => ({ rule: 'HAS_WORKSPACE_ROLE', params }),
});

/** The caller created the sandbox. */
export const isSandboxOwner = createPermissionRule({
  name: 'IS_SANDBOX_OWNER',
  description: 'Allow when the caller owns the sandbox',
  resourceRef: sandboxResourceRef,
  paramsSchema: z.object({ claims: z.array(z.string()).describe('Entity refs of the caller') }),
  apply: (sandbox, { claims }) => claims.some(c => c.toLowerCase() === sandbox.owner.toLowerCase()),
  toQuery: params => ({ rule: 'IS_SANDBOX_OWNER', params }),
});

/** The caller (or one of its groups) holds one of `roles` in the workspace. */
export const workspaceHasRole = createPermissionRule({
  name: 'HAS_WORKSPACE_ROLE',
  description: 'Allow when the caller holds one of the given roles in the workspace',
  resourceRef: workspaceResourceRef,
  paramsSchema: claimsAndRoles,
  apply: (workspace, { claims, roles }) => holdsRole(workspace.members, claims, roles),
  toQuery: params => ({ rule: 'HAS_WORKSPACE_ROLE', params }),
});
