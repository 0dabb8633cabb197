export interface Config {
  billing?: {
    /** Currency of every plan, EUR or USD. Defaults to each plan's own (EUR). */
    currency?: 'EUR' | 'USD';
    /** Plan of a workspace that never had a subscription. Defaults to 'free'. */
    defaultPlan?: 'free' | 'team' | 'enterprise';
    /** Per-plan overrides of the built-in prices (integer minor units) and allowances. */
    plans?: {
      [name: string]: {
        baseFeeMinor?: number;
        vcpuHourMinor?: number;
        memoryGiBHourMinor?: number;
        diskGiBMonthMinor?: number;
        includedVcpuHours?: number;
        includedMemoryGiBHours?: number;
        includedDiskGiBMonths?: number;
        blockAtBudget?: boolean;
      };
    };
    /** Shared platform cost per month (minor units), spread pro rata to direct cost. Defaults to 0. */
    sharedPlatformCostMinor?: number;
    /** Where monthly budgets come from: the sandbox workspace quota ('sandbox', default) or `billing.budgets`. */
    budgetSource?: 'sandbox' | 'config';
    /** Monthly budget per workspace (minor units); used when budgetSource is 'config' or the sandbox API fails. */
    budgets?: { [workspace: string]: number };
    /** Payment provider: 'manual' (default) or 'stripe'. */
    provider?: 'manual' | 'stripe';
    stripe?: {
      /** @visibility secret */
      apiKey: string;
      /** Webhook signing secret (whsec_...). @visibility secret */
      webhookSecret: string;
    };
    ingestion?: {
      /** Scheduler task definition (frequency, timeout, initialDelay). Defaults to every 5 minutes. */
      schedule?: object;
      /** Records per ledger request, at most 10000 (the ledger API's limit). Defaults to 10000. */
      pageSize?: number;
      /**
       * Records per ingestion transaction: pages are gathered until it is reached. Larger batches
       * write fewer index pages on SQLite. Defaults to 20000.
       */
      batchSize?: number;
      /** Ledger ids re-read before the cursor each run, for late commits. Defaults to 1000. */
      rereadWindow?: number;
    };
    invoicing?: {
      /** Scheduler task definition. Defaults to every hour. */
      schedule?: object;
    };
  };
}
