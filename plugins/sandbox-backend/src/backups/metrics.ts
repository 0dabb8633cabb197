import { Counter, Gauge, Histogram, Registry, register as globalRegistry } from 'prom-client';

type LastSuccessSource = () => Promise<Array<{ workspace: string; at: Date }>>;
type NewestCompleteSource = () => Promise<Array<{ workspace: string; sandbox: string; at: Date }>>;
/** One gauge per registry, so one source (the database) it reads at scrape time. */
let lastSuccessSource: LastSuccessSource | undefined;
let newestCompleteSource: NewestCompleteSource | undefined;

function once<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/**
 * Backup metrics (same pattern as service/metrics.ts: prom-client's global registry, served at
 * /metrics). Labels are bounded: operation, trigger, outcome, workspace.
 */
export class BackupMetrics {
  readonly duration: Histogram<'operation' | 'outcome'>;
  readonly size: Histogram<'workspace'>;
  readonly operations: Counter<'operation' | 'trigger' | 'outcome'>;
  readonly lastSuccess: Gauge<'workspace'>;
  readonly newestComplete: Gauge<'workspace' | 'sandbox'>;

  constructor(registry: Registry = globalRegistry) {
    const registers = [registry];
    this.duration = once(registry, 'sandbox_backup_duration_seconds', () =>
      new Histogram({
        name: 'sandbox_backup_duration_seconds',
        help: 'Duration of sandbox workspace backups and restores',
        labelNames: ['operation', 'outcome'] as const,
        buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 1800],
        registers,
      }),
    );
    this.size = once(registry, 'sandbox_backup_size_bytes', () =>
      new Histogram({
        name: 'sandbox_backup_size_bytes',
        help: 'Size of completed sandbox workspace backups',
        labelNames: ['workspace'] as const,
        buckets: [1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 5e10],
        registers,
      }),
    );
    this.operations = once(registry, 'sandbox_backup_operations_total', () =>
      new Counter({
        name: 'sandbox_backup_operations_total',
        help: 'Backup, restore, delete and retention operations by trigger and outcome',
        labelNames: ['operation', 'trigger', 'outcome'] as const,
        registers,
      }),
    );
    this.lastSuccess = once(registry, 'sandbox_backup_last_success_timestamp_seconds', () =>
      new Gauge({
        name: 'sandbox_backup_last_success_timestamp_seconds',
        help: 'Unix time of the last complete backup, per workspace (read from the database at scrape time)',
        labelNames: ['workspace'] as const,
        registers,
        async collect() {
          if (!lastSuccessSource) return;
          const rows = await lastSuccessSource();
          this.reset();
          for (const row of rows) this.set({ workspace: row.workspace }, row.at.getTime() / 1000);
        },
      }),
    );
    this.newestComplete = once(registry, 'sandbox_backup_newest_complete_timestamp_seconds', () =>
      new Gauge({
        name: 'sandbox_backup_newest_complete_timestamp_seconds',
        help:
          'Per sandbox of a workspace with a backup schedule: Unix time of its newest complete backup, ' +
          'or of the sandbox\'s creation or the schedule\'s last change when later (read at scrape time)',
        labelNames: ['workspace', 'sandbox'] as const,
        registers,
        async collect() {
          if (!newestCompleteSource) return;
          const rows = await newestCompleteSource();
          this.reset();
          for (const row of rows) this.set({ workspace: row.workspace, sandbox: row.sandbox }, row.at.getTime() / 1000);
        },
      }),
    );
    // the outcome series of scheduled backups exist from start-up, so the first failure is an
    // increase (from 0) that `increase()` sees, not a new series it cannot
    for (const outcome of ['success', 'failure']) {
      for (const trigger of ['schedule', 'manual']) this.operations.inc({ operation: 'backup', trigger, outcome }, 0);
    }
  }

  /** Where the last-success gauge reads at scrape time, so it survives restarts and agrees across replicas. */
  lastSuccessFrom(source: LastSuccessSource) {
    lastSuccessSource = source;
  }

  /** Where the newest-complete gauge reads at scrape time (the database, through the BackupService). */
  newestCompleteFrom(source: NewestCompleteSource) {
    newestCompleteSource = source;
  }
}
