import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import { LedgerRecord } from '../database/BillingStore';
import { UsageSource } from './UsageIngester';

/** Talks to the sandbox backend with this plugin's own service credentials. */
export class SandboxClient implements UsageSource {
  constructor(private readonly deps: { discovery: DiscoveryService; auth: AuthService; fetch?: typeof fetch }) {}

  private async get<T>(path: string): Promise<T> {
    const { discovery, auth } = this.deps;
    const base = await discovery.getBaseUrl('sandbox');
    const { token } = await auth.getPluginRequestToken({
      onBehalfOf: await auth.getOwnServiceCredentials(),
      targetPluginId: 'sandbox',
    });
    const res = await (this.deps.fetch ?? fetch)(`${base}${path}`, { headers: { Authorization: `Bearer ${token}` } });
    if (!res.ok) throw await ResponseError.fromResponse(res as any);
    return (await res.json()) as T;
  }

  read(after: number, limit: number): Promise<{ items: LedgerRecord[]; nextCursor?: number }> {
    const q = new URLSearchParams({ limit: String(limit) });
    if (after > 0) q.set('after', String(after));
    return this.get(`/usage?${q}`);
  }

  /** Backing catalog group of each workspace that has one (GET /workspaces lists all for a service). */
  async workspaceTeams(): Promise<Map<string, string>> {
    const { items } = await this.get<{ items: Array<{ name: string; backingGroup?: string }> }>('/workspaces');
    return new Map(items.filter(w => w.backingGroup).map(w => [w.name, w.backingGroup!]));
  }

  /** The workspace's effective monthly budget (quota `monthlyBudgetMinor`; null = unlimited). */
  async monthlyBudgetMinor(workspace: string): Promise<number | null> {
    const quota = await this.get<{ limits: { monthlyBudgetMinor: number | null } }>(
      `/workspaces/${encodeURIComponent(workspace)}/quota`,
    );
    return quota.limits.monthlyBudgetMinor ?? null;
  }
}
