import { AuthService, DiscoveryService, LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import { SandboxMetrics } from './metrics';
import { Clock } from './types';

/** What the billing backend answers at GET /api/billing/workspaces/{name}/budget (the fields used here). */
export interface BudgetAnswer {
  workspace: string;
  period: string;
  usedMinor: number;
  budgetMinor: number | null;
  blocked: boolean;
}

/** A create refused because the workspace's monthly budget is used up (409, audited as `denied`). */
export class BudgetExhaustedError extends ConflictError {
  constructor(readonly budget: BudgetAnswer) {
    super(
      `Budget exhausted in workspace '${budget.workspace}': ${budget.usedMinor} of ${budget.budgetMinor} minor units used in ${budget.period}; its plan blocks new sandboxes at 100 %`,
    );
    this.name = 'ConflictError';
  }
}

/** Default time an answer of billing is reused per workspace. */
export const BUDGET_CACHE_MS = 15_000;

/**
 * Asks the billing backend, before a sandbox is created, whether the workspace's plan blocks new
 * sandboxes because its monthly budget is used up. Service-to-service (discovery + this plugin's
 * own service token); answers are cached per workspace for 15 s.
 *
 * Fails open: when billing is not installed (404), unreachable, or answers with an error, the
 * create goes ahead and a warning is logged — a billing outage must not stop sandboxes.
 */
export class BudgetGate {
  private readonly cache = new Map<string, { at: number; answer: BudgetAnswer }>();

  constructor(
    private readonly deps: {
      discovery: DiscoveryService;
      auth: AuthService;
      logger: LoggerService;
      clock: Clock;
      metrics?: SandboxMetrics;
      cacheMs?: number;
      fetch?: typeof fetch;
    },
  ) {}

  /** Throws BudgetExhaustedError when billing says the workspace is blocked. */
  async check(workspace: string): Promise<void> {
    const answer = await this.lookup(workspace);
    if (answer?.blocked) {
      this.deps.metrics?.quotaRejections.inc({ workspace, resource: 'budget' });
      throw new BudgetExhaustedError({ ...answer, workspace });
    }
  }

  /** Forgets cached answers (all, or one workspace's). */
  invalidate(workspace?: string): void {
    if (workspace === undefined) this.cache.clear();
    else this.cache.delete(workspace);
  }

  private async lookup(workspace: string): Promise<BudgetAnswer | undefined> {
    const now = this.deps.clock.now().getTime();
    const cached = this.cache.get(workspace);
    if (cached && now - cached.at < (this.deps.cacheMs ?? BUDGET_CACHE_MS) && now >= cached.at) return cached.answer;
    const { discovery, auth, logger } = this.deps;
    let url = `billing/workspaces/${workspace}/budget`;
    try {
      url = `${await discovery.getBaseUrl('billing')}/workspaces/${encodeURIComponent(workspace)}/budget`;
      const { token } = await auth.getPluginRequestToken({
        onBehalfOf: await auth.getOwnServiceCredentials(),
        targetPluginId: 'billing',
      });
      const res = await (this.deps.fetch ?? fetch)(url, { headers: { Authorization: `Bearer ${token}` } });
      if (!res.ok) {
        const why = res.status === 404 ? 'billing is not installed' : `billing answered ${res.status}`;
        logger.warn(`budget not checked for workspace ${workspace} (${why} at ${url}); allowing the create`);
        return undefined;
      }
      const body = (await res.json()) as Partial<BudgetAnswer>;
      if (typeof body.blocked !== 'boolean') {
        logger.warn(`budget not checked for workspace ${workspace} (unexpected answer from ${url}); allowing the create`);
        return undefined;
      }
      const answer: BudgetAnswer = {
        workspace,
        period: String(body.period ?? ''),
        usedMinor: Number(body.usedMinor ?? 0),
        budgetMinor: body.budgetMinor ?? null,
        blocked: body.blocked,
      };
      this.cache.set(workspace, { at: now, answer });
      return answer;
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = `${(e as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}`;
      logger.warn(`budget not checked for workspace ${workspace} (billing unreachable at ${url}: ${why}); allowing the create`);
      return undefined;
    }
  }
}
