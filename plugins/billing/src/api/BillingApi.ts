import { createApiRef } from '@backstage/frontend-plugin-api';
import type {
  AllocationDimension,
  AllocationReport,
  BudgetStatus,
  Invoice,
  Plan,
  Subscription,
  UsageSummaryPoint,
} from '@internal/plugin-billing-common';

/** A workspace the picker offers (from the sandbox backend's `GET /workspaces`). */
export interface BillingWorkspace {
  name: string;
  title?: string;
  /** Catalog group the workspace belongs to (its "team" in cost allocation). */
  backingGroup?: string;
  archived?: boolean;
}

/** `GET /workspaces/:name/usage`: the period's usage per UTC day and its invoice so far. */
export interface WorkspaceUsage {
  period: string;
  /** The period rated now (an unsaved draft): cost so far, by line. */
  invoice: Invoice;
  days: UsageSummaryPoint[];
}

/** A CSV export, ready to be saved. */
export interface CsvDownload {
  filename: string;
  blob: Blob;
}

/** Invoice state changes an administrator can make. */
export type InvoiceAction = 'finalize' | 'pay' | 'void';

/** The billing backend (`/api/billing`), plus the workspace list of the sandbox backend. */
export interface BillingApi {
  /** Workspaces the user can see; names only matter to billing. */
  listWorkspaces(): Promise<BillingWorkspace[]>;
  listPlans(): Promise<Plan[]>;
  getSubscription(workspace: string): Promise<Subscription>;
  /** Usage and cost so far of a period; the backend's current period when none is given. */
  getUsage(workspace: string, period?: string): Promise<WorkspaceUsage>;
  /** Budget status of the current period. */
  getBudget(workspace: string): Promise<BudgetStatus>;
  listInvoices(filter?: { workspace?: string; period?: string }): Promise<Invoice[]>;
  getInvoice(id: string): Promise<Invoice>;
  /** (Re)generates the draft invoice of a workspace's period. */
  generateInvoice(workspace: string, period: string): Promise<Invoice>;
  /** draft -> finalized, finalized -> paid, draft | finalized -> void. */
  updateInvoice(id: string, action: InvoiceAction): Promise<Invoice>;
  getAllocation(options: { by: AllocationDimension; period?: string }): Promise<AllocationReport>;
  /** The allocation report as the backend's CSV (fetched with the user's token, not a plain link). */
  downloadAllocationCsv(options: { by: AllocationDimension; period?: string }): Promise<CsvDownload>;
}

export const billingApiRef = createApiRef<BillingApi>().with({
  id: 'plugin.billing.client',
  pluginId: 'billing',
});
