import { Counter, Gauge, Histogram, Registry, register as globalRegistry } from 'prom-client';

type Labels<T extends string> = Partial<Record<T, string>>;
type CountSource = () => Promise<Array<{ state: string; workspace: string; count: number }>>;

/** The gauge is one per registry, so the source it reads at scrape time is too. */
let countSource: CountSource | undefined;

function once<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/**
 * The sandbox backend's Prometheus metrics, on prom-client's global registry (the backend serves
 * it at /metrics). Label values are bounded: drivers, templates, states, outcomes and workspaces
 * (one per team), never sandbox ids.
 */
export class SandboxMetrics {
  readonly provisionDuration: Histogram<'driver' | 'template' | 'outcome'>;
  readonly sandboxes: Gauge<'state' | 'workspace'>;
  readonly quotaRejections: Counter<'workspace' | 'resource'>;
  readonly reconcilerRuns: Counter<'outcome'>;
  readonly reconcilerDrift: Counter<'kind'>;
  readonly driverErrors: Counter<'driver' | 'operation'>;
  readonly pauseResumeDuration: Histogram<'driver' | 'operation' | 'outcome'>;

  constructor(registry: Registry = globalRegistry) {
    const registers = [registry];
    this.provisionDuration = once(registry, 'sandbox_provision_duration_seconds', () =>
      new Histogram({
        name: 'sandbox_provision_duration_seconds',
        help: 'Time from the start of provisioning until the sandbox runs (or fails)',
        labelNames: ['driver', 'template', 'outcome'] as const,
        buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
        registers,
      }),
    );
    this.sandboxes = once(registry, 'sandboxes', () =>
      new Gauge({
        name: 'sandboxes',
        help: 'Sandboxes by state and workspace (deleted ones excluded)',
        labelNames: ['state', 'workspace'] as const,
        registers,
        async collect() {
          const rows = (await countSource?.()) ?? [];
          this.reset();
          for (const row of rows) this.set({ state: row.state, workspace: row.workspace }, row.count);
        },
      }),
    );
    this.quotaRejections = once(registry, 'sandbox_quota_rejections_total', () =>
      new Counter({
        name: 'sandbox_quota_rejections_total',
        help: 'Sandbox creates or starts rejected because a workspace quota would be exceeded',
        labelNames: ['workspace', 'resource'] as const,
        registers,
      }),
    );
    this.reconcilerRuns = once(registry, 'sandbox_reconciler_runs_total', () =>
      new Counter({
        name: 'sandbox_reconciler_runs_total',
        help: 'Reconciler runs by outcome',
        labelNames: ['outcome'] as const,
        registers,
      }),
    );
    this.reconcilerDrift = once(registry, 'sandbox_reconciler_drift_total', () =>
      new Counter({
        name: 'sandbox_reconciler_drift_total',
        help: 'Differences between database and runtime the reconciler found and repaired, by kind',
        labelNames: ['kind'] as const,
        registers,
      }),
    );
    this.pauseResumeDuration = once(registry, 'sandbox_pause_resume_duration_seconds', () =>
      new Histogram({
        name: 'sandbox_pause_resume_duration_seconds',
        help: 'Time a pause or resume took in the runtime, by driver, operation (pause, resume) and outcome',
        labelNames: ['driver', 'operation', 'outcome'] as const,
        buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
        registers,
      }),
    );
    this.driverErrors = once(registry, 'sandbox_driver_errors_total', () =>
      new Counter({
        name: 'sandbox_driver_errors_total',
        help: 'Errors returned by the sandbox driver, by driver and operation',
        labelNames: ['driver', 'operation'] as const,
        registers,
      }),
    );
  }

  /**
   * Creates the label sets alerts compute rates over, at zero, so the first increment is
   * visible to rate() / increase() (a series that appears with value 1 has no rate yet).
   */
  initialise(driver: string, templates: string[]) {
    for (const template of templates) {
      for (const outcome of ['success', 'failure']) this.provisionDuration.zero({ driver, template, outcome });
    }
    for (const outcome of ['success', 'error']) this.reconcilerRuns.inc({ outcome }, 0);
    for (const kind of ['lost', 'orphan', 'resumed', 'auto_stopped', 'auto_paused']) this.reconcilerDrift.inc({ kind }, 0);
  }

  /** Where the `sandboxes` gauge reads its counts at scrape time. */
  countFrom(source: CountSource) {
    countSource = source;
  }

  startProvisionTimer(labels: Labels<'driver' | 'template'>) {
    return this.provisionDuration.startTimer(labels);
  }
}
