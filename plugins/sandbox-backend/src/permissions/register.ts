import { PermissionsRegistryService } from '@backstage/backend-plugin-api';
import {
  auditReadPermission,
  sandboxPermissions,
  sandboxCreatePermission,
  workspaceCreatePermission,
  workspacePermissions,
} from '@internal/plugin-sandbox-common';
import { DatabaseWorkspaceStore } from '../database/DatabaseWorkspaceStore';
import { SandboxStore } from '../database/SandboxStore';
import { sandboxResourceRef, workspaceResourceRef } from './resources';
import { isSandboxOwner, sandboxHasWorkspaceRole, workspaceHasRole } from './rules';

/**
 * Registers the plugin's permissions, its two resource types and their rules, so that policies
 * can return conditional decisions ("allowed if the caller is an admin of this workspace") that
 * the permission backend evaluates against resources this plugin loads.
 */
export function permissionResourceLoaders(deps: { sandboxes: SandboxStore; workspaces: DatabaseWorkspaceStore }) {
  return {
    loadSandboxes: async (ids: string[]) => {
      const records = await Promise.all(ids.map(id => deps.sandboxes.get(id)));
      const members = await deps.workspaces.membersOf(records.flatMap(r => (r ? [r.workspace] : [])));
      return records.map(r =>
        r ? { id: r.id, workspace: r.workspace, owner: r.owner, members: members.get(r.workspace) ?? [] } : undefined,
      );
    },
    loadWorkspaces: async (names: string[]) => {
      const members = await deps.workspaces.membersOf(names);
      const existing = new Set((await deps.workspaces.listWorkspaces(names)).map(w => w.name));
      return names.map(name => (existing.has(name) ? { name, members: members.get(name) ?? [] } : undefined));
    },
  };
}

export function registerPermissions(
  registry: PermissionsRegistryService,
  deps: { sandboxes: SandboxStore; workspaces: DatabaseWorkspaceStore },
) {
  const loaders = permissionResourceLoaders(deps);
  registry.addPermissions([workspaceCreatePermission, auditReadPermission]);
  registry.addResourceType({
    resourceRef: sandboxResourceRef,
    permissions: sandboxPermissions.filter(p => p !== sandboxCreatePermission),
    rules: [sandboxHasWorkspaceRole, isSandboxOwner],
    getResources: loaders.loadSandboxes,
  });
  registry.addResourceType({
    resourceRef: workspaceResourceRef,
    permissions: [sandboxCreatePermission, ...workspacePermissions.filter(p => p !== workspaceCreatePermission)],
    rules: [workspaceHasRole],
    getResources: loaders.loadWorkspaces,
  });
}
