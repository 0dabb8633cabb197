import { BackstageCredentials, PermissionsService } from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
  isResourcePermission,
  PolicyDecision,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import { createConditionAuthorizer } from '@backstage/plugin-permission-node';
import { RESOURCE_TYPE_SANDBOX } from '@internal/plugin-sandbox-common';
import { SandboxPermissionResource, WorkspacePermissionResource } from '../permissions/resources';
import { isSandboxOwner, sandboxHasWorkspaceRole, workspaceHasRole } from '../permissions/rules';

type Loader<T> = (refs: string[]) => Promise<Array<T | undefined>>;

/**
 * Authorisation for the sandbox plugin's own resources. Conditional decisions of the policy are
 * evaluated here, against resources this plugin loads, instead of making the permission backend
 * call back into this plugin: one round trip per request, and one per list page instead of one per
 * item.
 */
export class SandboxAuthorizer {
  private readonly sandboxAllowed = createConditionAuthorizer<SandboxPermissionResource, unknown>([
    sandboxHasWorkspaceRole,
    isSandboxOwner,
  ]);
  private readonly workspaceAllowed = createConditionAuthorizer<WorkspacePermissionResource, unknown>([
    workspaceHasRole,
  ]);

  constructor(
    private readonly deps: {
      permissions: PermissionsService;
      loadSandboxes: Loader<SandboxPermissionResource>;
      loadWorkspaces: Loader<WorkspacePermissionResource>;
      /**
       * How long a policy decision for (principal, permission) is reused, in ms (default 0: never).
       * Conditional decisions are still evaluated against freshly loaded resources; only the
       * policy's answer is reused, which saves the permission backend round trip (~5 ms here) on
       * hot paths such as exec.
       */
      decisionCacheMs?: number;
      now?: () => number;
    },
  ) {}

  private readonly decisions = new Map<string, { at: number; decision: Promise<PolicyDecision> }>();

  private cached(
    credentials: BackstageCredentials,
    permission: BasicPermission | ResourcePermission,
    ask: () => Promise<PolicyDecision>,
  ): Promise<PolicyDecision> {
    const ttl = this.deps.decisionCacheMs ?? 0;
    const principal = credentials.principal as { type: string; userEntityRef?: string; subject?: string };
    const who = principal.userEntityRef ?? principal.subject;
    if (ttl <= 0 || !who) return ask();
    const key = `${principal.type}:${who}:${permission.name}`;
    const now = (this.deps.now ?? Date.now)();
    const hit = this.decisions.get(key);
    if (hit && now - hit.at < ttl) return hit.decision;
    if (this.decisions.size >= 10_000) this.decisions.clear();
    const decision = ask();
    this.decisions.set(key, { at: now, decision });
    // a failed policy call is not remembered
    decision.catch(() => this.decisions.delete(key));
    return decision;
  }

  /** Throws NotAllowedError unless `credentials` may do `permission` (on `resourceRef`). */
  async authorize(
    credentials: BackstageCredentials,
    permission: BasicPermission | ResourcePermission,
    resourceRef?: string,
  ): Promise<void> {
    const allowed = isResourcePermission(permission) && resourceRef
      ? (await this.allowedRefs(credentials, permission, [resourceRef])).has(resourceRef)
      : (
          await this.cached(credentials, permission, async () =>
            (await this.deps.permissions.authorize([{ permission: permission as BasicPermission }], { credentials }))[0],
          )
        ).result === AuthorizeResult.ALLOW;
    if (!allowed) {
      throw new NotAllowedError(
        `Not allowed: ${permission.name}${resourceRef ? ` on sandbox '${resourceRef}'` : ''}`,
      );
    }
  }

  /** Keeps the items the caller may `permission` (e.g. read), with one policy decision. */
  async filter<T extends { id: string }>(
    credentials: BackstageCredentials,
    permission: ResourcePermission,
    items: T[],
  ): Promise<T[]> {
    if (items.length === 0) return items;
    const allowed = await this.allowedRefs(credentials, permission, items.map(i => i.id));
    return items.filter(i => allowed.has(i.id));
  }

  private async allowedRefs(
    credentials: BackstageCredentials,
    permission: ResourcePermission,
    refs: string[],
  ): Promise<Set<string>> {
    const decision = await this.cached(credentials, permission, async () =>
      (await this.deps.permissions.authorizeConditional([{ permission }], { credentials }))[0],
    );
    if (decision.result === AuthorizeResult.ALLOW) return new Set(refs);
    if (decision.result === AuthorizeResult.DENY) return new Set();
    const isSandbox = permission.resourceType === RESOURCE_TYPE_SANDBOX;
    const resources = await (isSandbox ? this.deps.loadSandboxes(refs) : this.deps.loadWorkspaces(refs));
    const check = (resource: unknown) =>
      isSandbox
        ? this.sandboxAllowed(decision as PolicyDecision, resource as SandboxPermissionResource)
        : this.workspaceAllowed(decision as PolicyDecision, resource as WorkspacePermissionResource);
    return new Set(refs.filter((_, i) => resources[i] !== undefined && check(resources[i])));
  }
}

/** The user entity ref of the caller; sandboxes need a user as owner. */
export function requireUser(credentials: BackstageCredentials): string {
  const principal = credentials.principal as { type: string; userEntityRef?: string };
  if (principal.type !== 'user' || !principal.userEntityRef) {
    throw new NotAllowedError('Creating a sandbox requires user credentials: a sandbox needs an owner');
  }
  return principal.userEntityRef;
}
