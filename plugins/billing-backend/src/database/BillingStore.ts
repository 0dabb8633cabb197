import {
  BillingPlanName,
  Credit,
  Invoice,
  InvoiceStatus,
  Plan,
  Subscription,
  SubscriptionStatus,
} from '@internal/plugin-billing-common';

/** One record of the sandbox usage ledger, as GET /api/sandbox/usage returns it. */
export interface LedgerRecord {
  id: number;
  key: string;
  sandboxId: string;
  sandboxName: string;
  workspace: string;
  owner: string;
  template: string;
  costCenter?: string;
  kind: 'compute' | 'storage';
  vcpus: number;
  memoryMiB: number;
  diskGiB: number;
  gpus: number;
  startedAt: string;
  endedAt: string;
  durationMs: number;
}

/** Exact usage sums (bigint) in unit-milliseconds. */
export interface UsageTotals {
  vcpuMms: bigint;
  memoryMiBMs: bigint;
  diskGiBMs: bigint;
}

export interface HistoryRow {
  plan: BillingPlanName;
  status: SubscriptionStatus;
  effectiveFrom: number;
}

/** @internal */
export interface BillingStore {
  listPlans(): Promise<Plan[]>;
  upsertPlans(plans: Plan[]): Promise<void>;

  getCursor(name: string): Promise<number>;
  /** Inserts the records (duplicates ignored) and advances the cursor, in ONE transaction. */
  ingest(records: LedgerRecord[], cursor: { name: string; value: number }): Promise<number>;

  getSubscription(workspace: string): Promise<Subscription | undefined>;
  setSubscription(
    workspace: string,
    change: { plan: BillingPlanName; status: SubscriptionStatus; at: number; trialEndsAt?: number },
  ): Promise<Subscription>;
  /** Subscription history per workspace (all, or the given ones), oldest first. */
  historyOf(workspaces?: string[]): Promise<Map<string, HistoryRow[]>>;

  workspacesWithUsage(period: string): Promise<string[]>;
  /** Exact usage sums per workspace of records started in [from, to) of the period: ONE aggregate query. */
  usageTotalsByWorkspace(period: string, from: number, to: number, workspaces?: string[]): Promise<Map<string, UsageTotals>>;
  usageByDimension(
    period: string,
    column: 'workspace' | 'cost_center' | 'template' | 'sandbox_name',
  ): Promise<Array<UsageTotals & { key: string; workspace: string }>>;
  usageByDay(workspace: string, from: number, to: number): Promise<Array<UsageTotals & { day: string }>>;

  getInvoice(workspace: string, period: string): Promise<Invoice | undefined>;
  getInvoiceById(id: string): Promise<Invoice | undefined>;
  listInvoices(filter: { workspace?: string; period?: string }): Promise<Invoice[]>;
  /** Writes drafts in one transaction (insert, or replace existing drafts; non-drafts are left alone). */
  saveDrafts(invoices: Invoice[]): Promise<void>;
  /** Compare-and-set on status. Returns the updated invoice or undefined when `from` did not match. */
  transition(
    id: string,
    from: InvoiceStatus[],
    to: InvoiceStatus,
    fields?: { number?: string; finalizedAt?: number; paidAt?: number; providerRef?: string },
  ): Promise<Invoice | undefined>;

  addCredit(credit: Credit): Promise<void>;
  listCredits(workspace: string): Promise<Credit[]>;
  /** Per workspace: credits granted before `before` minus credit consumed by finalized/paid invoices of other periods. */
  creditAvailableByWorkspace(before: number, excludePeriod: string, workspaces?: string[]): Promise<Map<string, number>>;

  isEventProcessed(eventId: string): Promise<boolean>;
  /** Records a processed webhook event; false if it was already processed. */
  markEventProcessed(eventId: string, type: string, at: number): Promise<boolean>;
}
