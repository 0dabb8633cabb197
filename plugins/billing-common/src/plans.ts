/** Plan names, the same three the sandbox backend knows (free / team / enterprise). */
export const BILLING_PLAN_NAMES = ['free', 'team', 'enterprise'] as const;
export type BillingPlanName = (typeof BILLING_PLAN_NAMES)[number];
export type Currency = 'EUR' | 'USD';

/**
 * A plan as data. Every amount is an integer in minor units of `currency` (cents).
 * Unit prices: per vCPU-hour, per GiB-hour of memory, per GiB-month of disk (storage; one month is
 * 730 hours, the usual cloud convention, so a GiB-month costs the same in February and in March).
 */
export interface Plan {
  name: BillingPlanName;
  currency: Currency;
  /** Flat fee per monthly period, prorated by time on plan changes. */
  baseFeeMinor: number;
  vcpuHourMinor: number;
  memoryGiBHourMinor: number;
  diskGiBMonthMinor: number;
  /** Free allowances per monthly period (prorated by time like the base fee). */
  includedVcpuHours: number;
  includedMemoryGiBHours: number;
  includedDiskGiBMonths: number;
  /** Block new sandboxes once the monthly budget is used up (100 %). */
  blockAtBudget: boolean;
}

export const DEFAULT_PLANS: Record<BillingPlanName, Plan> = {
  free: {
    name: 'free',
    currency: 'EUR',
    baseFeeMinor: 0,
    vcpuHourMinor: 5,
    memoryGiBHourMinor: 1,
    diskGiBMonthMinor: 10,
    includedVcpuHours: 20,
    includedMemoryGiBHours: 40,
    includedDiskGiBMonths: 5,
    blockAtBudget: true,
  },
  team: {
    name: 'team',
    currency: 'EUR',
    baseFeeMinor: 2_900,
    vcpuHourMinor: 4,
    memoryGiBHourMinor: 1,
    diskGiBMonthMinor: 8,
    includedVcpuHours: 200,
    includedMemoryGiBHours: 400,
    includedDiskGiBMonths: 50,
    blockAtBudget: true,
  },
  enterprise: {
    name: 'enterprise',
    currency: 'EUR',
    baseFeeMinor: 49_900,
    vcpuHourMinor: 3,
    memoryGiBHourMinor: 1,
    diskGiBMonthMinor: 6,
    includedVcpuHours: 2_000,
    includedMemoryGiBHours: 4_000,
    includedDiskGiBMonths: 500,
    blockAtBudget: false,
  },
};

export const SUBSCRIPTION_STATUSES = ['trial', 'active', 'past_due', 'canceled'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

export const INVOICE_STATUSES = ['draft', 'finalized', 'paid', 'void'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];
