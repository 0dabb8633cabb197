import { ConfigReader } from '@backstage/config';
import { readBillingOptions, readPlans } from './config';

describe('config', () => {
  it('reads plan overrides and options', () => {
    const config = new ConfigReader({
      billing: {
        currency: 'USD',
        defaultPlan: 'team',
        plans: { team: { vcpuHourMinor: 9, blockAtBudget: false } },
        budgets: { a: 100 },
        budgetSource: 'config',
        provider: 'stripe',
        stripe: { apiKey: 'sk', webhookSecret: 'wh' },
      },
    });
    const team = readPlans(config).find(p => p.name === 'team')!;
    expect(team).toMatchObject({ currency: 'USD', vcpuHourMinor: 9, blockAtBudget: false, baseFeeMinor: 2900 });
    expect(readBillingOptions(config)).toMatchObject({
      defaultPlan: 'team',
      configBudgets: { a: 100 },
      budgetSource: 'config',
      providerName: 'stripe',
      stripe: { apiKey: 'sk', webhookSecret: 'wh' },
    });
    expect(readBillingOptions(new ConfigReader({}))).toMatchObject({ defaultPlan: 'free', sharedPlatformMinor: 0, providerName: 'manual', pageSize: 10000, batchSize: 20000 });
    expect(readBillingOptions(new ConfigReader({ billing: { ingestion: { pageSize: 500, batchSize: 2000 } } }))).toMatchObject({ pageSize: 500, batchSize: 2000 });
  });

  it('rejects invalid values', () => {
    expect(() => readPlans(new ConfigReader({ billing: { currency: 'GBP' } }))).toThrow('EUR or USD');
    expect(() => readPlans(new ConfigReader({ billing: { plans: { free: { vcpuHourMinor: 1.5 } } } }))).toThrow('non-negative integer');
    expect(() => readBillingOptions(new ConfigReader({ billing: { defaultPlan: 'gold' } }))).toThrow("unknown plan 'gold'");
    // the ledger API serves at most 10000 records a page
    expect(() => readBillingOptions(new ConfigReader({ billing: { ingestion: { pageSize: 20000 } } }))).toThrow(
      'billing.ingestion.pageSize: expected an integer from 1 to 10000, got 20000',
    );
    expect(() => readBillingOptions(new ConfigReader({ billing: { ingestion: { batchSize: 0 } } }))).toThrow('billing.ingestion.batchSize');
  });
});
