import { Counter, Gauge, Histogram, Registry, register as defaultRegistry } from 'prom-client';

/** Billing metrics on prom-client's default registry (the backend's /metrics endpoint serves it). */
export class BillingMetrics {
  readonly ingested: Counter;
  readonly ingestDuration: Histogram;
  readonly invoiceDuration: Histogram;
  readonly budgetRatio: Gauge;

  constructor(registry: Registry = defaultRegistry) {
    const get = <T>(name: string, make: () => T): T => (registry.getSingleMetric(name) as T) ?? make();
    this.ingested = get('billing_ingested_records_total', () =>
      new Counter({ name: 'billing_ingested_records_total', help: 'Usage ledger records ingested (new rows only)', registers: [registry] }),
    );
    this.ingestDuration = get('billing_ingestion_duration_seconds', () =>
      new Histogram({ name: 'billing_ingestion_duration_seconds', help: 'Duration of one ingestion run', registers: [registry] }),
    );
    this.invoiceDuration = get('billing_invoice_generation_duration_seconds', () =>
      new Histogram({ name: 'billing_invoice_generation_duration_seconds', help: 'Duration of generating the invoices of a period', registers: [registry] }),
    );
    this.budgetRatio = get('sandbox_workspace_budget_used_ratio', () =>
      new Gauge({ name: 'sandbox_workspace_budget_used_ratio', help: 'Share of the monthly budget used this period', labelNames: ['workspace'], registers: [registry] }),
    );
  }
}
