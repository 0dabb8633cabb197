import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError, ServiceUnavailableError } from '@backstage/errors';
import {
  AllocationDimension,
  AllocationReport,
  allocateProRata,
  BillingPlanName,
  BudgetStatus,
  Credit,
  Currency,
  Invoice,
  InvoiceLine,
  Plan,
  periodBounds,
  periodOf,
  Subscription,
  SubscriptionStatus,
  NO_TEAM,
  UsageSummaryPoint,
} from '@internal/plugin-billing-common';
import { BillingStore } from '../database/BillingStore';
import { BillingMetrics } from './metrics';
import { PaymentProvider } from './payments';
import { GIB_HOUR, listPriceMinor, quantityString, rateSegment, segmentsOf, VCPU_HOUR } from './rating';
import { Clock } from './types';

/** Workspace name -> backing catalog group ref, for the workspaces asked about (missing = none). */
export type TeamLookup = (workspaces: string[]) => Promise<Map<string, string>>;

export type BudgetLookup = (workspace: string) => Promise<{ budgetMinor: number | null; source: BudgetStatus['source'] }>;

const DIMENSION_COLUMN = {
  workspace: 'workspace',
  team: 'workspace',
  costCenter: 'cost_center',
  template: 'template',
  sandbox: 'sandbox_name',
} as const;

/** Plans, subscriptions, rating, invoices, credits, budgets and cost allocation. */
export class BillingService {
  private plans = new Map<string, Plan>();
  private readonly alerted = new Set<string>();
  private creditSeq = 0;

  constructor(
    private readonly deps: {
      store: BillingStore;
      clock: Clock;
      logger: LoggerService;
      provider: PaymentProvider;
      metrics?: BillingMetrics;
      defaultPlan?: BillingPlanName;
      currency?: Currency;
      /** Shared platform cost per month, spread over the allocation pro rata to direct cost. */
      sharedPlatformMinor?: number;
      budgets?: BudgetLookup;
      teams?: TeamLookup;
    },
  ) {}

  /** Seeds / updates the plans table from the given plans (plans are data) and loads them. */
  async init(plans: Plan[]): Promise<void> {
    await this.deps.store.upsertPlans(plans);
    await this.reloadPlans();
  }

  async reloadPlans(): Promise<Plan[]> {
    const plans = await this.deps.store.listPlans();
    this.plans = new Map(plans.map(p => [p.name, p]));
    return plans;
  }

  listPlans(): Plan[] {
    return [...this.plans.values()];
  }

  private plan(name: string): Plan {
    const p = this.plans.get(name);
    if (!p) throw new InputError(`unknown plan '${name}'`);
    return p;
  }

  private get defaultPlan(): BillingPlanName {
    return this.deps.defaultPlan ?? 'free';
  }

  private get currency(): Currency {
    return this.deps.currency ?? this.plan(this.defaultPlan).currency;
  }

  async getSubscription(workspace: string): Promise<Subscription> {
    return (
      (await this.deps.store.getSubscription(workspace)) ?? {
        workspace,
        plan: this.defaultPlan,
        status: 'active',
        since: new Date(0).toISOString(),
      }
    );
  }

  /**
   * Changes plan and/or status now. The change starts a new segment: the current period's base fee
   * and allowances are prorated by time between the old and the new plan.
   */
  async changeSubscription(
    workspace: string,
    change: { plan?: BillingPlanName; status?: SubscriptionStatus; trialDays?: number },
  ): Promise<Subscription> {
    const current = await this.getSubscription(workspace);
    const plan = change.plan ?? current.plan;
    this.plan(plan);
    const status = change.status ?? (current.status === 'canceled' ? 'active' : current.status);
    const at = this.deps.clock.now().getTime();
    return this.deps.store.setSubscription(workspace, {
      plan,
      status,
      at,
      ...(status === 'trial' ? { trialEndsAt: at + (change.trialDays ?? 14) * 86_400_000 } : {}),
    });
  }

  /** Rates a workspace's period into an (unsaved) invoice. Pure function of the DB state. */
  async rate(workspace: string, period: string): Promise<Invoice> {
    return (await this.rateMany(period, [workspace]))[0];
  }

  /**
   * Rates many workspaces of a period with a constant number of aggregate queries: usage sums per
   * workspace for the whole period in ONE GROUP BY; only workspaces whose plan changed inside the
   * period get one more aggregate per extra segment.
   */
  async rateMany(period: string, workspaces: string[]): Promise<Invoice[]> {
    const { store } = this.deps;
    if (this.plans.size === 0) await this.reloadPlans();
    const { start, end } = periodBounds(period);
    const only = workspaces.length <= 100 ? workspaces : undefined;
    const [history, whole, credits] = await Promise.all([
      store.historyOf(only),
      store.usageTotalsByWorkspace(period, start, end, only),
      store.creditAvailableByWorkspace(end, period, only),
    ]);
    const zero = { vcpuMms: 0n, memoryMiBMs: 0n, diskGiBMs: 0n };
    const out: Invoice[] = [];
    for (const workspace of workspaces) {
      const segments = segmentsOf(history.get(workspace) ?? [], this.plans, period, this.defaultPlan);
      const lines: InvoiceLine[] = [];
      for (const segment of segments) {
        const usage =
          segments.length === 1
            ? whole.get(workspace) ?? zero
            : (await store.usageTotalsByWorkspace(period, segment.from, segment.to, [workspace])).get(workspace) ?? zero;
        lines.push(...rateSegment(segment, usage, end - start));
      }
      const last = segments[segments.length - 1].plan;
      const subtotalMinor = lines.reduce((sum, l) => sum + l.amountMinor, 0);
      const creditMinor = Math.min(credits.get(workspace) ?? 0, Math.max(0, subtotalMinor));
      if (creditMinor > 0) {
        lines.push({
          type: 'credit',
          plan: last.name,
          description: 'Credit applied',
          quantity: '1.0000',
          unit: 'credit',
          unitPriceMinor: -creditMinor,
          amountMinor: -creditMinor,
        });
      }
      out.push({
        id: `inv_${workspace}_${period}`,
        workspace,
        period,
        status: 'draft',
        currency: last.currency,
        lines,
        subtotalMinor,
        creditMinor,
        totalMinor: subtotalMinor - creditMinor,
      });
    }
    return out;
  }

  /**
   * (Re)generates the draft invoice of a workspace's period. Re-running gives the identical invoice;
   * an invoice that is no longer a draft is returned unchanged.
   */
  async generateInvoice(workspace: string, period: string): Promise<Invoice> {
    const existing = await this.deps.store.getInvoice(workspace, period);
    if (existing && existing.status !== 'draft') return existing;
    await this.deps.store.saveDrafts(await this.rateMany(period, [workspace]));
    return (await this.deps.store.getInvoice(workspace, period))!;
  }

  /** Drafts for every workspace with usage in the period (one transaction); returns all its invoices. */
  async generatePeriod(period: string): Promise<Invoice[]> {
    const end = this.deps.metrics?.invoiceDuration.startTimer();
    try {
      const workspaces = await this.deps.store.workspacesWithUsage(period);
      await this.deps.store.saveDrafts(await this.rateMany(period, workspaces));
      const byWs = new Map((await this.deps.store.listInvoices({ period })).map(i => [i.workspace, i]));
      return workspaces.map(ws => byWs.get(ws)!);
    } finally {
      end?.();
    }
  }

  private async invoice(id: string): Promise<Invoice> {
    const inv = await this.deps.store.getInvoiceById(id);
    if (!inv) throw new NotFoundError(`No invoice found with id '${id}'`);
    return inv;
  }

  /** draft -> finalized: re-rates once more, freezes, numbers it and hands it to the payment provider. */
  async finalize(id: string): Promise<Invoice> {
    const draft = await this.invoice(id);
    if (draft.status !== 'draft') throw new ConflictError(`Invoice '${id}' is ${draft.status}, not draft`);
    const { end } = periodBounds(draft.period);
    if (this.deps.clock.now().getTime() < end) {
      throw new ConflictError(`Period ${draft.period} has not ended yet`);
    }
    await this.generateInvoice(draft.workspace, draft.period);
    const finalized = await this.deps.store.transition(id, ['draft'], 'finalized', {
      number: `INV-${draft.period}-${draft.workspace}`,
      finalizedAt: this.deps.clock.now().getTime(),
    });
    if (!finalized) throw new ConflictError(`Invoice '${id}' changed concurrently`);
    const { providerRef } = await this.deps.provider.issue(finalized);
    if (providerRef) {
      return (await this.deps.store.transition(id, ['finalized'], 'finalized', { providerRef })) ?? finalized;
    }
    return finalized;
  }

  /** finalized -> paid (admin call for manual invoices, or the provider's webhook). Paying twice is a no-op. */
  async markPaid(id: string): Promise<Invoice> {
    const inv = await this.invoice(id);
    if (inv.status === 'paid') return inv;
    const paid = await this.deps.store.transition(id, ['finalized'], 'paid', { paidAt: this.deps.clock.now().getTime() });
    if (!paid) throw new ConflictError(`Invoice '${id}' is ${inv.status}, only a finalized invoice can be paid`);
    const sub = await this.deps.store.getSubscription(inv.workspace);
    if (sub?.status === 'past_due') await this.changeSubscription(inv.workspace, { status: 'active' });
    return paid;
  }

  /** draft | finalized -> void. */
  async void(id: string): Promise<Invoice> {
    const inv = await this.invoice(id);
    if (inv.status === 'void') return inv;
    const voided = await this.deps.store.transition(id, ['draft', 'finalized'], 'void');
    if (!voided) throw new ConflictError(`Invoice '${id}' is ${inv.status} and cannot be voided`);
    return voided;
  }

  /** A payment failed: the subscription becomes past_due. */
  async paymentFailed(id: string): Promise<void> {
    const inv = await this.invoice(id);
    const sub = await this.getSubscription(inv.workspace);
    if (sub.status === 'active') await this.changeSubscription(inv.workspace, { status: 'past_due' });
  }

  getInvoice = (id: string) => this.invoice(id);
  listInvoices = (filter: { workspace?: string; period?: string }) => this.deps.store.listInvoices(filter);

  async grantCredit(workspace: string, amountMinor: number, reason: string): Promise<Credit> {
    const now = this.deps.clock.now();
    const credit: Credit = {
      id: `cr_${now.getTime().toString(36)}_${(this.creditSeq++).toString(36)}_${Math.random().toString(36).slice(2, 8)}`,
      workspace,
      amountMinor,
      reason,
      createdAt: now.toISOString(),
    };
    await this.deps.store.addCredit(credit);
    return credit;
  }

  listCredits = (workspace: string) => this.deps.store.listCredits(workspace);

  currentPeriod(): string {
    return periodOf(this.deps.clock.now());
  }

  /** Usage per day and the cost so far of a period. */
  async usage(workspace: string, period: string): Promise<{ period: string; invoice: Invoice; days: UsageSummaryPoint[] }> {
    const { start, end } = periodBounds(period);
    const days = (await this.deps.store.usageByDay(workspace, start, end)).map(d => ({
      day: d.day,
      vcpuHours: Number(quantityString(d.vcpuMms, VCPU_HOUR)),
      memoryGiBHours: Number(quantityString(d.memoryMiBMs, GIB_HOUR)),
      diskGiBHours: Number(quantityString(d.diskGiBMs, 1n * 3_600_000n)),
    }));
    return { period, invoice: await this.rate(workspace, period), days };
  }

  /**
   * Budget of the current period: used = the period's invoice total so far (after allowances and
   * credits). Alerts (log + gauge) at 80 %, blocks at 100 % when the plan says so.
   */
  async budget(workspace: string): Promise<BudgetStatus> {
    const period = this.currentPeriod();
    const invoice = await this.rate(workspace, period);
    const { budgetMinor, source } = this.deps.budgets
      ? await this.deps.budgets(workspace)
      : { budgetMinor: null, source: 'none' as const };
    const usedMinor = invoice.totalMinor;
    let ratio: number | null = null;
    if (budgetMinor !== null) {
      if (budgetMinor > 0) ratio = usedMinor / budgetMinor;
      else ratio = usedMinor > 0 ? 1 : 0;
      this.deps.metrics?.budgetRatio.set({ workspace }, ratio);
      const key = `${workspace}:${period}`;
      if (ratio >= 0.8 && !this.alerted.has(key)) {
        this.alerted.add(key);
        this.deps.logger.warn(
          `billing budget alert: workspace ${workspace} used ${usedMinor} of ${budgetMinor} minor units (${Math.round(ratio * 100)} %) in ${period}`,
        );
      }
    }
    const plan = this.plan((await this.getSubscription(workspace)).plan);
    const blocked = plan.blockAtBudget && budgetMinor !== null && ratio !== null && ratio >= 1;
    return { workspace, period, usedMinor, budgetMinor, ratio, blocked, source };
  }

  private async teamsOf(workspaces: string[]): Promise<Map<string, string>> {
    if (!this.deps.teams || workspaces.length === 0) return new Map();
    try {
      return await this.deps.teams(workspaces);
    } catch (e) {
      throw new ServiceUnavailableError(`Cost allocation by team needs the sandbox workspace API: ${(e as Error).message}`);
    }
  }

  /**
   * Cost allocation. Direct cost of each row = its usage at the list prices of its workspace's
   * current plan (no allowances, no base fee), rounded half-up per (row, workspace). The shared
   * platform cost is spread pro rata to direct cost, largest remainder, so shares sum exactly.
   * `team`: each workspace's direct cost goes to its backing catalog group (read from the sandbox
   * workspace API now, not at usage time), or to `(no team)`.
   */
  async allocation(period: string, dimension: AllocationDimension): Promise<AllocationReport> {
    const rows = await this.deps.store.usageByDimension(period, DIMENSION_COLUMN[dimension]);
    const teamOf = dimension === 'team' ? await this.teamsOf([...new Set(rows.map(r => r.workspace))]) : undefined;
    const planOf = new Map<string, Plan>();
    const direct = new Map<string, number>();
    for (const r of rows) {
      if (!planOf.has(r.workspace)) planOf.set(r.workspace, this.plan((await this.getSubscription(r.workspace)).plan));
      const key = teamOf ? teamOf.get(r.workspace) ?? NO_TEAM : r.key;
      direct.set(key, (direct.get(key) ?? 0) + listPriceMinor(planOf.get(r.workspace)!, r));
    }
    const keys = [...direct.keys()].sort();
    const sharedPlatformMinor = this.deps.sharedPlatformMinor ?? 0;
    const shares = allocateProRata(sharedPlatformMinor, keys.map(k => direct.get(k)!));
    return {
      period,
      dimension,
      currency: this.currency,
      sharedPlatformMinor: keys.length ? sharedPlatformMinor : 0,
      rows: keys.map((key, i) => ({
        key,
        directMinor: direct.get(key)!,
        sharedMinor: shares[i],
        totalMinor: direct.get(key)! + shares[i],
      })),
    };
  }
}

/** CSV of an allocation report (RFC 4180 quoting). */
export function allocationCsv(report: AllocationReport): string {
  const q = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [`period,${report.dimension},currency,direct_minor,shared_minor,total_minor`];
  for (const r of report.rows) {
    lines.push([report.period, q(r.key), report.currency, r.directMinor, r.sharedMinor, r.totalMinor].join(','));
  }
  return `${lines.join('\n')}\n`;
}
