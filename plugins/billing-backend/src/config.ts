import { Config } from '@backstage/config';
import { BILLING_PLAN_NAMES, BillingPlanName, Currency, DEFAULT_PLANS, Plan } from '@internal/plugin-billing-common';
import { DEFAULT_INGEST_BATCH, MAX_LEDGER_PAGE } from './service/UsageIngester';

const PLAN_KEYS: Array<keyof Plan> = [
  'baseFeeMinor',
  'vcpuHourMinor',
  'memoryGiBHourMinor',
  'diskGiBMonthMinor',
  'includedVcpuHours',
  'includedMemoryGiBHours',
  'includedDiskGiBMonths',
];

/** Plans: the defaults with `billing.plans.<name>.<key>` overrides; `billing.currency` sets every plan's currency. */
export function readPlans(config: Config): Plan[] {
  const currency = config.getOptionalString('billing.currency') as Currency | undefined;
  if (currency && currency !== 'EUR' && currency !== 'USD') throw new Error(`billing.currency must be EUR or USD, got '${currency}'`);
  return BILLING_PLAN_NAMES.map(name => {
    const plan: Plan = { ...DEFAULT_PLANS[name], ...(currency ? { currency } : {}) };
    const c = config.getOptionalConfig(`billing.plans.${name}`);
    if (c) {
      for (const key of PLAN_KEYS) {
        const v = c.getOptionalNumber(key);
        if (v !== undefined) {
          if (!Number.isInteger(v) || v < 0) throw new Error(`billing.plans.${name}.${key} must be a non-negative integer`);
          (plan as any)[key] = v;
        }
      }
      const block = c.getOptionalBoolean('blockAtBudget');
      if (block !== undefined) plan.blockAtBudget = block;
    }
    return plan;
  });
}

function positive(config: Config, key: string, dflt: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = config.getOptionalNumber(key) ?? dflt;
  if (!Number.isInteger(v) || v < 1 || v > max) throw new Error(`${key}: expected an integer from 1 to ${max}, got ${v}`);
  return v;
}

export function readBillingOptions(config: Config) {
  const defaultPlan = (config.getOptionalString('billing.defaultPlan') ?? 'free') as BillingPlanName;
  if (!BILLING_PLAN_NAMES.includes(defaultPlan)) throw new Error(`billing.defaultPlan: unknown plan '${defaultPlan}'`);
  const budgets = config.getOptionalConfig('billing.budgets');
  return {
    defaultPlan,
    sharedPlatformMinor: config.getOptionalNumber('billing.sharedPlatformCostMinor') ?? 0,
    budgetSource: (config.getOptionalString('billing.budgetSource') ?? 'sandbox') as 'sandbox' | 'config',
    configBudgets: Object.fromEntries((budgets?.keys() ?? []).map(k => [k, budgets!.getNumber(k)])) as Record<string, number>,
    providerName: config.getOptionalString('billing.provider') ?? 'manual',
    stripe: config.has('billing.stripe')
      ? { apiKey: config.getString('billing.stripe.apiKey'), webhookSecret: config.getString('billing.stripe.webhookSecret') }
      : undefined,
    pageSize: positive(config, 'billing.ingestion.pageSize', MAX_LEDGER_PAGE, MAX_LEDGER_PAGE),
    batchSize: positive(config, 'billing.ingestion.batchSize', DEFAULT_INGEST_BATCH),
    rereadWindow: config.getOptionalNumber('billing.ingestion.rereadWindow') ?? 1000,
  };
}
