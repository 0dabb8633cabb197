import { BackstageCredentials, LoggerService } from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError } from '@backstage/errors';
import type { AuditEntry, AuditOutcome } from '@internal/plugin-sandbox-common';
import { DatabaseWorkspaceStore } from '../database/DatabaseWorkspaceStore';
import { QuotaExceededError } from '../database/quota';
import { BudgetExhaustedError } from './BudgetGate';
import { Clock } from './types';

export interface AuditTarget {
  action: string;
  targetType: AuditEntry['targetType'];
  targetId: string;
  workspace?: string;
  requestId?: string;
}

/** Who did it, as written in the audit log. */
export function actorOf(credentials: BackstageCredentials): string {
  const p = credentials.principal as { type: string; userEntityRef?: string; subject?: string };
  return p.type === 'user' ? p.userEntityRef! : `${p.type}:${p.subject ?? 'unknown'}`;
}

/** How a failed mutation is recorded: refused by policy, quota or budget, bad input, or an error. */
export function outcomeOf(error: unknown): AuditOutcome {
  if (error instanceof NotAllowedError || error instanceof QuotaExceededError || error instanceof BudgetExhaustedError) {
    return 'denied';
  }
  if (error instanceof InputError) return 'invalid';
  return 'failure';
}

/**
 * The audit log: every mutation of sandboxes, workspaces, members and quotas, with actor, action,
 * target, time, outcome and request id, kept in the database (append-only, survives restarts).
 */
export class AuditLog {
  constructor(
    private readonly deps: { store: DatabaseWorkspaceStore; clock: Clock; logger: LoggerService },
  ) {}

  /**
   * Runs `fn` and records exactly one entry for it: `success`, or the outcome of its error (which
   * is rethrown). `resolve` may fill in the target id once known (a created sandbox's id).
   */
  async track<T>(
    credentials: BackstageCredentials,
    target: AuditTarget,
    fn: () => Promise<T>,
    resolve?: (result: T) => Partial<Pick<AuditEntry, 'targetId' | 'message'>>,
  ): Promise<T> {
    try {
      const result = await fn();
      await this.write(credentials, target, 'success', resolve?.(result));
      return result;
    } catch (e) {
      await this.write(credentials, target, outcomeOf(e), { message: (e as Error).message });
      throw e;
    }
  }

  private async write(
    credentials: BackstageCredentials,
    target: AuditTarget,
    outcome: AuditOutcome,
    extra?: Partial<Pick<AuditEntry, 'targetId' | 'message'>>,
  ) {
    try {
      await this.deps.store.appendAudit({
        at: this.deps.clock.now(),
        actor: actorOf(credentials),
        ...target,
        ...(extra?.targetId ? { targetId: extra.targetId } : {}),
        outcome,
        ...(extra?.message ? { message: extra.message.slice(0, 2000) } : {}),
      });
    } catch (e) {
      // the mutation's own result stands; a lost audit write is loud in the logs
      this.deps.logger.error(`audit write failed for ${target.action} ${target.targetId}: ${e}`);
    }
  }
}
