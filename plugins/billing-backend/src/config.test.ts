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
    expect(readBillingOptions(new ConfigReader({}))).toMatchObject({ defaultPlan: 'free', sharedPlatformMinor: 0, providerName: 'manual', pageSize: 1000 });
  });

  it('rejects invalid values', () => {
    expect(() => readPlans(new ConfigReader({ billing: { currency: 'GBP' } }))).toThrow('EUR or USD');
    expect(() => readPlans(new ConfigReader({ billing: { plans: { free: { vcpuHourMinor: 1.5 } } } }))).toThrow('non-negative integer');
    expect(() => readBillingOptions(new ConfigReader({ billing: { defaultPlan: 'gold' } }))).toThrow("unknown plan 'gold'");
  });
});
