import { Counter, Gauge, Histogram, Registry, register as globalRegistry } from 'prom-client';

type SizeSource = () => Promise<Array<{ template: string; state: string; count: number }>>;

/** The gauge is one per registry, so the source it reads at scrape time is too. */
let sizeSource: SizeSource | undefined;

function once<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/** Warm pool metrics (labels: template names from config, bounded outcomes). */
export class WarmPoolMetrics {
  readonly size: Gauge<'template' | 'state'>;
  readonly hits: Counter<'template'>;
  readonly misses: Counter<'template' | 'reason'>;
  readonly claimDuration: Histogram<'template' | 'outcome'>;
  readonly members: Counter<'template' | 'event'>;

  constructor(registry: Registry = globalRegistry) {
    const registers = [registry];
    this.size = once(registry, 'sandbox_warm_pool_size', () =>
      new Gauge({
        name: 'sandbox_warm_pool_size',
        help: 'Warm pool members by template and state (ready = free to claim, creating = being made)',
        labelNames: ['template', 'state'] as const,
        registers,
        async collect() {
          const rows = (await sizeSource?.()) ?? [];
          this.reset();
          for (const row of rows) this.set({ template: row.template, state: row.state }, row.count);
        },
      }),
    );
    this.hits = once(registry, 'sandbox_warm_pool_hits_total', () =>
      new Counter({
        name: 'sandbox_warm_pool_hits_total',
        help: 'Creates served from a warm pool',
        labelNames: ['template'] as const,
        registers,
      }),
    );
    this.misses = once(registry, 'sandbox_warm_pool_misses_total', () =>
      new Counter({
        name: 'sandbox_warm_pool_misses_total',
        help: 'Creates of a pooled template that fell back to a cold create (reason: empty | incompatible)',
        labelNames: ['template', 'reason'] as const,
        registers,
      }),
    );
    this.claimDuration = once(registry, 'sandbox_warm_pool_claim_duration_seconds', () =>
      new Histogram({
        name: 'sandbox_warm_pool_claim_duration_seconds',
        help: 'Time of a claim attempt (the claim transaction), by outcome hit | miss',
        labelNames: ['template', 'outcome'] as const,
        buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
        registers,
      }),
    );
    this.members = once(registry, 'sandbox_warm_pool_members_total', () =>
      new Counter({
        name: 'sandbox_warm_pool_members_total',
        help: 'Warm pool member events: created, create_failed, replaced (unhealthy or outdated), adopted, removed',
        labelNames: ['template', 'event'] as const,
        registers,
      }),
    );
  }

  /** Zero series for the configured templates, so rate() sees the first increment. */
  initialise(templates: string[]) {
    for (const template of templates) {
      this.hits.inc({ template }, 0);
      for (const reason of ['empty', 'incompatible']) this.misses.inc({ template, reason }, 0);
    }
  }

  /** Where the size gauge reads its counts at scrape time. */
  sizeFrom(source: SizeSource) {
    sizeSource = source;
  }
}
