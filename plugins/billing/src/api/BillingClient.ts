import type { DiscoveryApi, FetchApi } from '@backstage/frontend-plugin-api';
import { ResponseError } from '@backstage/errors';
import type {
  AllocationDimension,
  AllocationReport,
  BudgetStatus,
  Invoice,
  Plan,
  Subscription,
} from '@internal/plugin-billing-common';
import type {
  BillingApi,
  BillingWorkspace,
  CsvDownload,
  InvoiceAction,
  WorkspaceUsage,
} from './BillingApi';

/** `?a=1&b=2` from the values that are set, or ''. */
function queryString(values: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== '') params.set(key, value);
  }
  const search = params.toString();
  return search ? `?${search}` : '';
}

const workspacePath = (name: string) => `/workspaces/${encodeURIComponent(name)}`;
const invoicePath = (id: string) => `/invoices/${encodeURIComponent(id)}`;

/** `filename="x.csv"` of a Content-Disposition header, if any. */
export function filenameFromDisposition(header: string | null): string | undefined {
  const match = header ? /filename="?([^";]+)"?/i.exec(header) : null;
  return match?.[1];
}

/** Talks to the billing backend (and the sandbox backend's workspace list) via discovery + fetch. */
export class BillingClient implements BillingApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  async listWorkspaces(): Promise<BillingWorkspace[]> {
    const { items } = await this.request<{ items: BillingWorkspace[] }>('/workspaces', {
      pluginId: 'sandbox',
    });
    return items;
  }

  async listPlans(): Promise<Plan[]> {
    return (await this.request<{ items: Plan[] }>('/plans')).items;
  }

  getSubscription(workspace: string): Promise<Subscription> {
    return this.request(`${workspacePath(workspace)}/subscription`);
  }

  getUsage(workspace: string, period?: string): Promise<WorkspaceUsage> {
    return this.request(`${workspacePath(workspace)}/usage${queryString({ period })}`);
  }

  getBudget(workspace: string): Promise<BudgetStatus> {
    return this.request(`${workspacePath(workspace)}/budget`);
  }

  async listInvoices(filter: { workspace?: string; period?: string } = {}): Promise<Invoice[]> {
    const { workspace, period } = filter;
    return (await this.request<{ items: Invoice[] }>(`/invoices${queryString({ workspace, period })}`))
      .items;
  }

  getInvoice(id: string): Promise<Invoice> {
    return this.request(invoicePath(id));
  }

  async generateInvoice(workspace: string, period: string): Promise<Invoice> {
    const { items } = await this.request<{ items: Invoice[] }>('/invoices/generate', {
      method: 'POST',
      body: { workspace, period },
    });
    return items[0];
  }

  updateInvoice(id: string, action: InvoiceAction): Promise<Invoice> {
    return this.request(`${invoicePath(id)}/${action}`, { method: 'POST' });
  }

  getAllocation(options: { by: AllocationDimension; period?: string }): Promise<AllocationReport> {
    return this.request(`/allocation${queryString({ period: options.period, by: options.by })}`);
  }

  async downloadAllocationCsv(options: {
    by: AllocationDimension;
    period?: string;
  }): Promise<CsvDownload> {
    const response = await this.fetch(
      `/allocation.csv${queryString({ period: options.period, by: options.by })}`,
    );
    const blob = await response.blob();
    const filename =
      filenameFromDisposition(response.headers.get('Content-Disposition')) ??
      `cost-allocation-${options.period ?? 'current'}-${options.by}.csv`;
    return { filename, blob };
  }

  private async fetch(
    path: string,
    options: { method?: string; body?: unknown; pluginId?: string } = {},
  ): Promise<Response> {
    const baseUrl = await this.discoveryApi.getBaseUrl(options.pluginId ?? 'billing');
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`, {
      method: options.method ?? 'GET',
      ...(options.body !== undefined && {
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(options.body),
      }),
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return response;
  }

  private async request<T>(
    path: string,
    options: { method?: string; body?: unknown; pluginId?: string } = {},
  ): Promise<T> {
    return (await (await this.fetch(path, options)).json()) as T;
  }
}
