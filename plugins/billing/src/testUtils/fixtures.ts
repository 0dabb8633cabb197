import { ResponseError } from '@backstage/errors';
import type { PermissionApi } from '@backstage/plugin-permission-react';
import type { BudgetStatus, Invoice, Subscription } from '@internal/plugin-billing-common';
import type { BillingApi, BillingWorkspace, WorkspaceUsage } from '../api';

export function makeInvoice(overrides: Partial<Invoice> = {}): Invoice {
  const workspace = overrides.workspace ?? 'team-a';
  const period = overrides.period ?? '2026-10';
  return {
    id: `inv_${workspace}_${period}`,
    workspace,
    period,
    status: 'draft',
    currency: 'EUR',
    lines: [
      {
        type: 'base_fee',
        plan: 'team',
        description: 'Team plan base fee',
        quantity: '1.0000',
        unit: 'month',
        unitPriceMinor: 2900,
        amountMinor: 2900,
      },
      {
        type: 'compute_vcpu',
        plan: 'team',
        description: 'vCPU above allowance',
        quantity: '12.5000',
        unit: 'vCPU-hour',
        unitPriceMinor: 4,
        amountMinor: 50,
      },
    ],
    subtotalMinor: 2950,
    creditMinor: 0,
    totalMinor: 2950,
    ...overrides,
  };
}

export function makeUsage(overrides: Partial<WorkspaceUsage> = {}): WorkspaceUsage {
  return {
    period: '2026-11',
    invoice: makeInvoice({ period: '2026-11' }),
    days: [
      { day: '2026-11-02', vcpuHours: 10, memoryGiBHours: 20, diskGiBHours: 240 },
      { day: '2026-11-03', vcpuHours: 2.5, memoryGiBHours: 5, diskGiBHours: 240 },
    ],
    ...overrides,
  };
}

export function makeBudget(overrides: Partial<BudgetStatus> = {}): BudgetStatus {
  return {
    workspace: 'team-a',
    period: '2026-11',
    usedMinor: 2950,
    budgetMinor: 50_000,
    ratio: 2950 / 50_000,
    blocked: false,
    source: 'sandbox-quota',
    ...overrides,
  };
}

export function makeSubscription(overrides: Partial<Subscription> = {}): Subscription {
  return {
    workspace: 'team-a',
    plan: 'team',
    status: 'active',
    since: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

export function makeWorkspace(overrides: Partial<BillingWorkspace> = {}): BillingWorkspace {
  return { name: 'team-a', title: 'Team A', backingGroup: 'group:default/team-a', ...overrides };
}

/** A BillingApi whose methods are jest mocks with harmless defaults. */
export function mockBillingApi(partial: Partial<BillingApi> = {}): jest.Mocked<BillingApi> {
  return {
    listWorkspaces: jest.fn().mockResolvedValue([makeWorkspace()]),
    listPlans: jest.fn().mockResolvedValue([]),
    getSubscription: jest.fn().mockResolvedValue(makeSubscription()),
    getUsage: jest.fn().mockResolvedValue(makeUsage()),
    getBudget: jest.fn().mockResolvedValue(makeBudget()),
    listInvoices: jest.fn().mockResolvedValue([]),
    getInvoice: jest.fn().mockResolvedValue(makeInvoice()),
    generateInvoice: jest.fn().mockResolvedValue(makeInvoice()),
    updateInvoice: jest.fn(),
    getAllocation: jest.fn().mockResolvedValue({
      period: '2026-11',
      dimension: 'workspace',
      currency: 'EUR',
      sharedPlatformMinor: 0,
      rows: [],
    }),
    downloadAllocationCsv: jest.fn(),
    ...partial,
  } as jest.Mocked<BillingApi>;
}

/** The ResponseError the client throws for a backend error answer. */
export async function responseError(status: number, name: string, message: string): Promise<ResponseError> {
  return ResponseError.fromResponse(
    new Response(JSON.stringify({ error: { name, message }, response: { statusCode: status } }), {
      status,
      statusText: name,
      headers: { 'Content-Type': 'application/json' },
    }),
  );
}

/**
 * Permission decisions for `mockApis.permission`, without importing
 * `@backstage/plugin-permission-common` (not a dependency of this package).
 */
type Decision = Extract<
  Awaited<ReturnType<PermissionApi['authorize']>>,
  { result: unknown }
>['result'];
export const ALLOW: Extract<Decision, 'ALLOW'> = 'ALLOW';
export const DENY: Extract<Decision, 'DENY'> = 'DENY';
