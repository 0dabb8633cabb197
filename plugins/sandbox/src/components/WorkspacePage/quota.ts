import {
  PLAN_DEFAULT_QUOTAS,
  type PlanName,
  type QuotaLimits,
  type QuotaUsage,
} from '@internal/plugin-sandbox-common';
import { formatBudget, formatLifetime, formatMemory, formatNumber } from '../../lib/format';

export type LimitKey = keyof QuotaLimits;

/** How each limit is shown and edited. */
export interface LimitField {
  key: LimitKey;
  label: string;
  /** The unit the editor works in. */
  unit: string;
  /** Stored value -> editor value. */
  toInput: (value: number) => number;
  /** Editor value -> stored value. */
  fromInput: (value: number) => number;
  /** Step of the editor's number field (whole numbers for counts and sizes). */
  step?: number;
  format: (value: number | null) => string;
  /** What the usage meter reads, for the limits that have one. */
  usage?: (usage: QuotaUsage) => number;
}

const identity = (value: number) => value;
const unlimitedOr = (format: (value: number) => string) => (value: number | null) =>
  value === null ? 'unlimited' : format(value);

export const LIMIT_FIELDS: readonly LimitField[] = [
  {
    key: 'maxSandboxes',
    label: 'Sandboxes',
    unit: 'sandboxes',
    toInput: identity,
    fromInput: identity,
    step: 1,
    format: unlimitedOr(formatNumber),
    usage: usage => usage.sandboxes,
  },
  {
    key: 'maxVcpus',
    label: 'vCPU',
    unit: 'vCPU',
    toInput: identity,
    fromInput: identity,
    format: unlimitedOr(v => `${formatNumber(v)} vCPU`),
    usage: usage => usage.vcpus,
  },
  {
    key: 'maxMemoryMiB',
    label: 'Memory',
    unit: 'MiB',
    toInput: identity,
    fromInput: identity,
    step: 1,
    format: unlimitedOr(formatMemory),
    usage: usage => usage.memoryMiB,
  },
  {
    key: 'maxDiskGiB',
    label: 'Disk',
    unit: 'GiB',
    toInput: identity,
    fromInput: identity,
    step: 1,
    format: unlimitedOr(v => `${formatNumber(v)} GiB`),
    usage: usage => usage.diskGiB,
  },
  {
    key: 'maxLifetimeSeconds',
    label: 'Sandbox lifetime',
    unit: 'hours',
    toInput: seconds => seconds / 3600,
    fromInput: hours => Math.round(hours * 3600),
    format: formatLifetime,
  },
  {
    key: 'monthlyBudgetMinor',
    label: 'Monthly budget',
    unit: 'currency units, e.g. 500.00',
    toInput: minor => minor / 100,
    fromInput: major => Math.round(major * 100),
    format: formatBudget,
  },
];

/** The plan's default for one limit, as text. */
export function planDefault(plan: PlanName, field: LimitField): string {
  return field.format(PLAN_DEFAULT_QUOTAS[plan][field.key]);
}
