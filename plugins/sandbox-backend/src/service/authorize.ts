import { BackstageCredentials, PermissionsService } from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
  ResourcePermission,
} from '@backstage/plugin-permission-common';

/** Asks the permission framework and turns anything but ALLOW into a NotAllowedError. */
export async function authorizeOrThrow(
  permissions: PermissionsService,
  credentials: BackstageCredentials,
  permission: BasicPermission | ResourcePermission,
  resourceRef?: string,
): Promise<void> {
  const request = resourceRef
    ? { permission: permission as ResourcePermission, resourceRef }
    : { permission: permission as BasicPermission };
  const [decision] = await permissions.authorize([request], { credentials });
  if (decision.result !== AuthorizeResult.ALLOW) {
    throw new NotAllowedError(
      `Not allowed: ${permission.name}${resourceRef ? ` on sandbox '${resourceRef}'` : ''}`,
    );
  }
}

/** Keeps the items the caller may read (item-level read permission). */
export async function filterReadable<T extends { id: string }>(
  permissions: PermissionsService,
  credentials: BackstageCredentials,
  permission: ResourcePermission,
  items: T[],
): Promise<T[]> {
  if (items.length === 0) return items;
  const decisions = await permissions.authorize(
    items.map(item => ({ permission, resourceRef: item.id })),
    { credentials },
  );
  return items.filter((_, i) => decisions[i].result === AuthorizeResult.ALLOW);
}

/** The user entity ref of the caller; sandboxes need a user as owner. */
export function requireUser(credentials: BackstageCredentials): string {
  const principal = credentials.principal as { type: string; userEntityRef?: string };
  if (principal.type !== 'user' || !principal.userEntityRef) {
    throw new NotAllowedError('Creating a sandbox requires user credentials: a sandbox needs an owner');
  }
  return principal.userEntityRef;
}
