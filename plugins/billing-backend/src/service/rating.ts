import {
  divRoundHalfUp,
  InvoiceLine,
  Plan,
  periodBounds,
  SubscriptionStatus,
  toSafeNumber,
} from '@internal/plugin-billing-common';
import { HistoryRow, UsageTotals } from '../database/BillingStore';

/** Unit-millisecond divisors: one vCPU-hour in milli-vCPU x ms, one GiB-hour in MiB x ms, one GiB-month (730 h) in GiB x ms. */
export const VCPU_HOUR = 1000n * 3_600_000n;
export const GIB_HOUR = 1024n * 3_600_000n;
export const GIB_MONTH = 730n * 3_600_000n;

export interface Segment {
  plan: Plan;
  status: SubscriptionStatus;
  from: number;
  to: number;
}

/**
 * The plan segments of a period: the history row in force at the period start, then every change
 * inside it. A workspace with no history is on `defaultPlan` (active) for the whole period.
 */
export function segmentsOf(
  history: HistoryRow[],
  plans: Map<string, Plan>,
  period: string,
  defaultPlan: string,
): Segment[] {
  const { start, end } = periodBounds(period);
  const plan = (name: string) => {
    const p = plans.get(name);
    if (!p) throw new Error(`unknown plan '${name}'`);
    return p;
  };
  let current: { plan: string; status: SubscriptionStatus; from: number } = {
    plan: defaultPlan,
    status: 'active',
    from: start,
  };
  const segments: Segment[] = [];
  for (const h of history) {
    if (h.effectiveFrom >= end) break;
    if (h.effectiveFrom <= start) {
      current = { plan: h.plan, status: h.status, from: start };
      continue;
    }
    if (h.effectiveFrom > current.from) {
      segments.push({ plan: plan(current.plan), status: current.status, from: current.from, to: h.effectiveFrom });
    }
    current = { plan: h.plan, status: h.status, from: h.effectiveFrom };
  }
  segments.push({ plan: plan(current.plan), status: current.status, from: current.from, to: end });
  return segments;
}

/** Decimal string of value / divisor with 4 places, half-up: for display only, never summed. */
export function quantityString(value: bigint, divisor: bigint): string {
  const scaled = divRoundHalfUp(value * 10_000n, divisor);
  const s = scaled.toString().padStart(5, '0');
  return `${s.slice(0, -4)}.${s.slice(-4)}`;
}

function usageLine(
  type: InvoiceLine['type'],
  unit: InvoiceLine['unit'],
  plan: Plan,
  used: bigint,
  includedUnits: number,
  divisor: bigint,
  unitPrice: number,
  fraction: [bigint, bigint],
  label: string,
): InvoiceLine | undefined {
  if (used <= 0n) return undefined;
  // allowance prorated by the segment's share of the period, floored to whole unit-milliseconds
  const included = (BigInt(includedUnits) * divisor * fraction[0]) / fraction[1];
  const billable = used > included ? used - included : 0n;
  return {
    type,
    plan: plan.name,
    description: `${label} (${quantityString(used, divisor)} used, ${quantityString(included, divisor)} included)`,
    quantity: quantityString(billable, divisor),
    unit,
    unitPriceMinor: unitPrice,
    amountMinor: toSafeNumber(divRoundHalfUp(billable * BigInt(unitPrice), divisor)),
  };
}

/**
 * Rates one plan segment: the base fee prorated by time (charged while active or past_due; waived
 * in trial, stopped when canceled), then one line per metered dimension after the (prorated)
 * allowance. Every line is rounded once, half-up.
 */
export function rateSegment(segment: Segment, usage: UsageTotals, periodMs: number): InvoiceLine[] {
  const lines: InvoiceLine[] = [];
  const fraction: [bigint, bigint] = [BigInt(segment.to - segment.from), BigInt(periodMs)];
  const { plan } = segment;
  const partial = segment.to - segment.from !== periodMs;
  if (plan.baseFeeMinor > 0 && (segment.status === 'active' || segment.status === 'past_due')) {
    lines.push({
      type: 'base_fee',
      plan: plan.name,
      description: `${plan.name} plan${partial ? ` ${new Date(segment.from).toISOString()} - ${new Date(segment.to).toISOString()}` : ''}`,
      quantity: quantityString(fraction[0] * 10_000n, fraction[1] * 10_000n),
      unit: 'month',
      unitPriceMinor: plan.baseFeeMinor,
      amountMinor: toSafeNumber(divRoundHalfUp(BigInt(plan.baseFeeMinor) * fraction[0], fraction[1])),
    });
  }
  const metered = [
    usageLine('compute_vcpu', 'vCPU-hour', plan, usage.vcpuMms, plan.includedVcpuHours, VCPU_HOUR, plan.vcpuHourMinor, fraction, 'vCPU'),
    usageLine('compute_memory', 'GiB-hour', plan, usage.memoryMiBMs, plan.includedMemoryGiBHours, GIB_HOUR, plan.memoryGiBHourMinor, fraction, 'Memory'),
    usageLine('storage_disk', 'GiB-month', plan, usage.diskGiBMs, plan.includedDiskGiBMonths, GIB_MONTH, plan.diskGiBMonthMinor, fraction, 'Disk'),
  ];
  for (const l of metered) if (l) lines.push(l);
  return lines;
}

/** List-price cost of usage (no allowances, no base fee), rounded half-up once: used for cost allocation and budgets. */
export function listPriceMinor(plan: Plan, u: UsageTotals): number {
  const exact =
    u.vcpuMms * BigInt(plan.vcpuHourMinor) * (GIB_HOUR * GIB_MONTH) +
    u.memoryMiBMs * BigInt(plan.memoryGiBHourMinor) * (VCPU_HOUR * GIB_MONTH) +
    u.diskGiBMs * BigInt(plan.diskGiBMonthMinor) * (VCPU_HOUR * GIB_HOUR);
  return toSafeNumber(divRoundHalfUp(exact, VCPU_HOUR * GIB_HOUR * GIB_MONTH));
}
