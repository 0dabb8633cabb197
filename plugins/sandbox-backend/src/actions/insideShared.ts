import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { sandboxExecPermission } from '@internal/plugin-sandbox-common';
import { InsideService } from '../inside/InsideService';
import { AuditLog } from '../service/AuditLog';
import { SandboxAuthorizer } from '../service/authorize';

/** What the inside-the-sandbox actions need. */
export interface InsideActionDeps {
  inside: InsideService;
  authorizer: SandboxAuthorizer;
  audit: AuditLog;
  actionsRegistry: ActionsRegistryService;
  /** The workspace of a sandbox, for audit entries. */
  workspaceOf(sandboxId: string): Promise<string | undefined>;
}

/** `sandbox.exec` on the sandbox; with `action`, also one audit entry whatever the outcome. */
export async function insideAction<T>(
  deps: InsideActionDeps,
  credentials: BackstageCredentials,
  sandboxId: string,
  fn: () => Promise<T>,
  audit?: { action: string; message?: (result: T) => string },
): Promise<T> {
  const run = async () => {
    await deps.authorizer.authorize(credentials, sandboxExecPermission, sandboxId);
    return fn();
  };
  if (!audit) return run();
  return deps.audit.track(
    credentials,
    { action: audit.action, targetType: 'sandbox', targetId: sandboxId, workspace: await deps.workspaceOf(sandboxId) },
    run,
    audit.message ? r => ({ message: audit.message!(r) }) : undefined,
  );
}

/** Largest file content read-sandbox-file returns (bigger files: the REST API or a tar). */
export const MAX_ACTION_READ_BYTES = 1024 * 1024;
