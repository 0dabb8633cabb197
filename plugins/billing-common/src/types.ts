import { z } from 'zod';
import { BILLING_PLAN_NAMES, BillingPlanName, Currency, InvoiceStatus, SubscriptionStatus, SUBSCRIPTION_STATUSES } from './plans';
import { PERIOD_PATTERN } from './period';

export interface Subscription {
  workspace: string;
  plan: BillingPlanName;
  status: SubscriptionStatus;
  /** ISO time the current plan took effect. */
  since: string;
  trialEndsAt?: string;
}

export type InvoiceLineType = 'base_fee' | 'compute_vcpu' | 'compute_memory' | 'storage_disk' | 'credit';

export interface InvoiceLine {
  type: InvoiceLineType;
  plan: BillingPlanName;
  description: string;
  /** Billable quantity after allowances, in the unit named by `unit`, as a decimal string (exact). */
  quantity: string;
  unit: 'month' | 'vCPU-hour' | 'GiB-hour' | 'GiB-month' | 'credit';
  unitPriceMinor: number;
  amountMinor: number;
}

export interface Invoice {
  id: string;
  workspace: string;
  period: string;
  status: InvoiceStatus;
  currency: Currency;
  number?: string;
  lines: InvoiceLine[];
  subtotalMinor: number;
  creditMinor: number;
  totalMinor: number;
  finalizedAt?: string;
  paidAt?: string;
  providerRef?: string;
}

export interface Credit {
  id: string;
  workspace: string;
  amountMinor: number;
  reason: string;
  createdAt: string;
}

export interface BudgetStatus {
  workspace: string;
  period: string;
  usedMinor: number;
  budgetMinor: number | null;
  ratio: number | null;
  blocked: boolean;
  source: 'sandbox-quota' | 'config' | 'none';
}

/** `team` = the catalog group backing the workspace (sandbox workspace API); none -> NO_TEAM. */
export const ALLOCATION_DIMENSIONS = ['workspace', 'team', 'costCenter', 'template', 'sandbox'] as const;
/** Allocation key of usage in workspaces without a backing catalog group. */
export const NO_TEAM = '(no team)';
export type AllocationDimension = (typeof ALLOCATION_DIMENSIONS)[number];

export interface AllocationRow {
  key: string;
  directMinor: number;
  sharedMinor: number;
  totalMinor: number;
}

export interface AllocationReport {
  period: string;
  dimension: AllocationDimension;
  currency: Currency;
  sharedPlatformMinor: number;
  rows: AllocationRow[];
}

export interface UsageSummaryPoint {
  day: string;
  vcpuHours: number;
  memoryGiBHours: number;
  diskGiBHours: number;
}

export const periodSchema = z.string().regex(PERIOD_PATTERN, 'period must be YYYY-MM');
export const changePlanRequestSchema = z
  .object({ plan: z.enum(BILLING_PLAN_NAMES), status: z.enum(SUBSCRIPTION_STATUSES).optional() })
  .strict();
export const setStatusRequestSchema = z.object({ status: z.enum(SUBSCRIPTION_STATUSES) }).strict();
export const grantCreditRequestSchema = z
  .object({ amountMinor: z.number().int().positive().max(1e12), reason: z.string().min(1).max(500) })
  .strict();
export const periodQuerySchema = z.object({ period: periodSchema.optional() }).strict();
export const allocationQuerySchema = z
  .object({ period: periodSchema.optional(), by: z.enum(ALLOCATION_DIMENSIONS).default('workspace') })
  .strict();
