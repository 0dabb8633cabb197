import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import {
  Credit,
  Invoice,
  InvoiceStatus,
  Plan,
  periodBounds,
  periodOf,
  Subscription,
} from '@internal/plugin-billing-common';
import { Knex } from 'knex';
import {
  BillingStore,
  HistoryRow,
  LedgerRecord,
  UsageTotals,
} from './BillingStore';

const migrationsDir = resolvePackagePath(
  '@internal/plugin-billing-backend',
  'migrations',
);

/** Rows per SQLite INSERT (one JSON parameter; bounds the statement's memory). */
const INSERT_CHUNK = 5000;
/** Columns of billing_usage in insert order. */
export const USAGE_COLUMNS = [
  'ledger_id',
  'ledger_key',
  'period',
  'workspace',
  'owner',
  'template',
  'cost_center',
  'sandbox_id',
  'sandbox_name',
  'kind',
  'started_at',
  'ended_at',
  'vcpu_mms',
  'memory_mib_ms',
  'disk_gib_ms',
  'gpus',
] as const;
/** SQLite: `WHERE true` keeps the parser from reading the upsert's ON as a join constraint. */
const JSON_EACH_INSERT =
  `INSERT INTO billing_usage (${USAGE_COLUMNS.join(',')}) ` +
  `SELECT ${USAGE_COLUMNS.map((_, i) => `value ->> ${i}`).join(', ')} FROM json_each(?) WHERE true ` +
  'ON CONFLICT DO NOTHING RETURNING ledger_id';
/** PostgreSQL element type of each column's array parameter. */
const USAGE_PG_TYPES: Record<(typeof USAGE_COLUMNS)[number], string> = {
  ledger_id: 'bigint',
  ledger_key: 'text',
  period: 'text',
  workspace: 'text',
  owner: 'text',
  template: 'text',
  cost_center: 'text',
  sandbox_id: 'text',
  sandbox_name: 'text',
  kind: 'text',
  started_at: 'bigint',
  ended_at: 'bigint',
  vcpu_mms: 'bigint',
  memory_mib_ms: 'bigint',
  disk_gib_ms: 'bigint',
  gpus: 'integer',
};
/** Rows per unnest() INSERT on PostgreSQL (no parameter limit applies: 16 array parameters). */
const UNNEST_CHUNK = 20000;
const UNNEST_INSERT =
  `INSERT INTO billing_usage (${USAGE_COLUMNS.join(',')}) ` +
  `SELECT * FROM unnest(${USAGE_COLUMNS.map(c => `?::${USAGE_PG_TYPES[c]}[]`).join(', ')}) ` +
  'ON CONFLICT DO NOTHING RETURNING ledger_id';

const big = (v: unknown): bigint =>
  v === null || v === undefined ? 0n : BigInt(String(v));
const num = (v: unknown): number => Number(v);
const iso = (v: unknown): string | undefined =>
  v === null || v === undefined ? undefined : new Date(num(v)).toISOString();

/** Ledger record -> billing_usage row. Quantities become exact integers (milli-vCPU x ms etc.). */
export function toUsageRow(r: LedgerRecord) {
  const started = Date.parse(r.startedAt);
  const compute = r.kind === 'compute';
  const ms = BigInt(Math.round(r.durationMs));
  return {
    ledger_id: r.id,
    ledger_key: r.key,
    period: periodOf(new Date(started)),
    workspace: r.workspace,
    owner: r.owner,
    template: r.template,
    cost_center: r.costCenter ?? null,
    sandbox_id: r.sandboxId,
    sandbox_name: r.sandboxName,
    kind: r.kind,
    started_at: started,
    ended_at: Date.parse(r.endedAt),
    vcpu_mms: compute ? String(BigInt(Math.round(r.vcpus * 1000)) * ms) : '0',
    memory_mib_ms: compute ? String(BigInt(Math.round(r.memoryMiB)) * ms) : '0',
    disk_gib_ms: String(BigInt(Math.round(r.diskGiB)) * ms),
    gpus: r.gpus,
  };
}

const SUMS =
  'CAST(COALESCE(SUM(vcpu_mms), 0) AS TEXT) AS vcpu, CAST(COALESCE(SUM(memory_mib_ms), 0) AS TEXT) AS mem, ' +
  'CAST(COALESCE(SUM(disk_gib_ms), 0) AS TEXT) AS disk';

function totals(row: {
  vcpu: unknown;
  mem: unknown;
  disk: unknown;
}): UsageTotals {
  return {
    vcpuMms: big(row.vcpu),
    memoryMiBMs: big(row.mem),
    diskGiBMs: big(row.disk),
  };
}

/** SQLite page cache of the billing database, KiB. */
export const SQLITE_CACHE_KIB = 65536;

/** @internal */
export class DatabaseBillingStore implements BillingStore {
  static async create(options: {
    database: DatabaseService;
    skipMigrations?: boolean;
  }): Promise<DatabaseBillingStore> {
    const client = await options.database.getClient();
    if (!options.skipMigrations && !options.database.migrations?.skip) {
      await client.migrate.latest({ directory: migrationsDir });
    }
    if (String(client.client.config?.client ?? '').includes('sqlite')) {
      // Write-ahead log, fsync at checkpoints: an ingestion batch commits with one WAL append.
      // Durable across a process crash; after a power loss the last batches are simply ingested
      // again from the sandbox backend's ledger (the cursor is in the same transaction, keys are
      // unique). In-memory SQLite answers `memory` and is unaffected.
      await client.raw('PRAGMA journal_mode = WAL');
      await client.raw('PRAGMA synchronous = NORMAL');
      // 64 MiB page cache instead of SQLite's 2 MiB: the ledger-key and period indexes of a month
      // of usage (1M rows) outgrow the default, after which nearly every insert misses the cache.
      await client.raw(`PRAGMA cache_size = -${SQLITE_CACHE_KIB}`);
    }
    return new DatabaseBillingStore(client);
  }

  private constructor(private readonly db: Knex) {}

  private get isPostgres(): boolean {
    return String(this.db.client.config.client).startsWith('pg');
  }

  async listPlans(): Promise<Plan[]> {
    const rows = await this.db('billing_plans').orderBy('name');
    return rows.map(r => ({
      name: r.name,
      currency: r.currency,
      baseFeeMinor: num(r.base_fee_minor),
      vcpuHourMinor: num(r.vcpu_hour_minor),
      memoryGiBHourMinor: num(r.memory_gib_hour_minor),
      diskGiBMonthMinor: num(r.disk_gib_month_minor),
      includedVcpuHours: num(r.included_vcpu_hours),
      includedMemoryGiBHours: num(r.included_memory_gib_hours),
      includedDiskGiBMonths: num(r.included_disk_gib_months),
      blockAtBudget: Boolean(r.block_at_budget),
    }));
  }

  async upsertPlans(plans: Plan[]): Promise<void> {
    for (const p of plans) {
      await this.db('billing_plans')
        .insert({
          name: p.name,
          currency: p.currency,
          base_fee_minor: p.baseFeeMinor,
          vcpu_hour_minor: p.vcpuHourMinor,
          memory_gib_hour_minor: p.memoryGiBHourMinor,
          disk_gib_month_minor: p.diskGiBMonthMinor,
          included_vcpu_hours: p.includedVcpuHours,
          included_memory_gib_hours: p.includedMemoryGiBHours,
          included_disk_gib_months: p.includedDiskGiBMonths,
          block_at_budget: p.blockAtBudget,
        })
        .onConflict('name')
        .merge();
    }
  }

  async getCursor(name: string): Promise<number> {
    const row = await this.db('billing_cursors').where({ name }).first();
    return row ? num(row.value) : 0;
  }

  async ingest(
    records: LedgerRecord[],
    cursor: { name: string; value: number },
  ): Promise<number> {
    return this.db.transaction(async tx => {
      let inserted = 0;
      const pg = this.isPostgres;
      const chunk = pg ? UNNEST_CHUNK : INSERT_CHUNK;
      for (let i = 0; i < records.length; i += chunk) {
        const rows = records.slice(i, i + chunk).map(toUsageRow);
        const result = pg
          ? // PostgreSQL: one typed array per column through unnest(): 16 parameters whatever the
            // number of rows, one plan, no per-row placeholder parsing
            await tx.raw(UNNEST_INSERT, USAGE_COLUMNS.map(c => rows.map(r => r[c])) as Knex.RawBinding[])
          : // SQLite: the same idea with one JSON parameter (an array of row arrays) through
            // json_each(): a short constant statement instead of 32k placeholders to prepare and
            // bind per chunk. Text of an integer column gets INTEGER affinity (exact 64-bit).
            await tx.raw(JSON_EACH_INSERT, [JSON.stringify(rows.map(r => USAGE_COLUMNS.map(c => r[c])))]);
        const out: Array<{ ledger_id: unknown }> = Array.isArray(result)
          ? result
          : result.rows;
        inserted += out.length;
        await this.addTotals(tx, rows, out);
      }
      const current = await tx('billing_cursors')
        .where({ name: cursor.name })
        .first();
      if (!current) {
        await tx('billing_cursors').insert({
          name: cursor.name,
          value: cursor.value,
        });
      } else if (num(current.value) < cursor.value) {
        await tx('billing_cursors')
          .where({ name: cursor.name })
          .update({ value: cursor.value });
      }
      return inserted;
    });
  }

  /** Adds the rows that were actually inserted (not ignored duplicates) to billing_usage_totals. */
  private async addTotals(
    tx: Knex.Transaction,
    rows: ReturnType<typeof toUsageRow>[],
    inserted: Array<{ ledger_id: unknown }>,
  ) {
    if (inserted.length === 0) return;
    const fresh =
      inserted.length === rows.length
        ? undefined
        : new Set(inserted.map(r => num(r.ledger_id)));
    const sums = new Map<
      string,
      {
        period: string;
        workspace: string;
        v: bigint;
        m: bigint;
        d: bigint;
        n: number;
      }
    >();
    for (const r of rows) {
      if (fresh && !fresh.has(r.ledger_id)) continue;
      const key = `${r.period}\u0000${r.workspace}`;
      let s = sums.get(key);
      if (!s)
        sums.set(
          key,
          (s = {
            period: r.period,
            workspace: r.workspace,
            v: 0n,
            m: 0n,
            d: 0n,
            n: 0,
          }),
        );
      s.v += BigInt(r.vcpu_mms);
      s.m += BigInt(r.memory_mib_ms);
      s.d += BigInt(r.disk_gib_ms);
      s.n++;
    }
    const add = (col: string) =>
      tx.raw(`billing_usage_totals.${col} + excluded.${col}`);
    await tx('billing_usage_totals')
      .insert(
        [...sums.values()].map(s => ({
          period: s.period,
          workspace: s.workspace,
          vcpu_mms: String(s.v),
          memory_mib_ms: String(s.m),
          disk_gib_ms: String(s.d),
          records: s.n,
        })),
      )
      .onConflict(['period', 'workspace'])
      .merge({
        vcpu_mms: add('vcpu_mms'),
        memory_mib_ms: add('memory_mib_ms'),
        disk_gib_ms: add('disk_gib_ms'),
        records: add('records'),
      });
  }

  async getSubscription(workspace: string): Promise<Subscription | undefined> {
    const r = await this.db('billing_subscriptions')
      .where({ workspace })
      .first();
    if (!r) return undefined;
    return {
      workspace: r.workspace,
      plan: r.plan,
      status: r.status,
      since: iso(r.since)!,
      ...(r.trial_ends_at !== null && r.trial_ends_at !== undefined
        ? { trialEndsAt: iso(r.trial_ends_at) }
        : {}),
    };
  }

  async setSubscription(
    workspace: string,
    change: {
      plan: Plan['name'];
      status: Subscription['status'];
      at: number;
      trialEndsAt?: number;
    },
  ): Promise<Subscription> {
    await this.db.transaction(async tx => {
      const row = {
        workspace,
        plan: change.plan,
        status: change.status,
        since: change.at,
        trial_ends_at: change.trialEndsAt ?? null,
      };
      await tx('billing_subscriptions')
        .insert(row)
        .onConflict('workspace')
        .merge();
      await tx('billing_subscription_history').insert({
        workspace,
        plan: change.plan,
        status: change.status,
        effective_from: change.at,
      });
    });
    return (await this.getSubscription(workspace))!;
  }

  async workspacesWithUsage(period: string): Promise<string[]> {
    const rows = await this.db('billing_usage_totals')
      .select('workspace')
      .where({ period })
      .orderBy('workspace');
    return rows.map(r => r.workspace);
  }

  async usageTotalsByWorkspace(
    period: string,
    from: number,
    to: number,
    workspaces?: string[],
  ) {
    const bounds = periodBounds(period);
    const whole = from <= bounds.start && to >= bounds.end;
    // the whole period comes from the totals maintained at ingestion; a part of it from the raw rows
    const q = whole
      ? this.db('billing_usage_totals')
          .select('workspace', this.db.raw(SUMS))
          .where({ period })
          .groupBy('workspace')
      : this.db('billing_usage')
          .select('workspace', this.db.raw(SUMS))
          .where({ period })
          .andWhere('started_at', '>=', from)
          .andWhere('started_at', '<', to)
          .groupBy('workspace');
    if (workspaces) q.whereIn('workspace', workspaces);
    const out = new Map<string, UsageTotals>();
    for (const r of await q) out.set(r.workspace, totals(r));
    return out;
  }

  async historyOf(workspaces?: string[]): Promise<Map<string, HistoryRow[]>> {
    const q = this.db('billing_subscription_history').orderBy([
      { column: 'workspace' },
      { column: 'effective_from' },
      { column: 'id' },
    ]);
    if (workspaces) q.whereIn('workspace', workspaces);
    const out = new Map<string, HistoryRow[]>();
    for (const r of await q) {
      if (!out.has(r.workspace)) out.set(r.workspace, []);
      out.get(r.workspace)!.push({
        plan: r.plan,
        status: r.status,
        effectiveFrom: num(r.effective_from),
      });
    }
    return out;
  }

  async creditAvailableByWorkspace(
    before: number,
    excludePeriod: string,
    workspaces?: string[],
  ): Promise<Map<string, number>> {
    const granted = this.db('billing_credits')
      .select('workspace', this.db.raw('CAST(SUM(amount_minor) AS TEXT) AS s'))
      .where('created_at', '<', before)
      .groupBy('workspace');
    const used = this.db('billing_invoices')
      .select('workspace', this.db.raw('CAST(SUM(credit_minor) AS TEXT) AS s'))
      .whereIn('status', ['finalized', 'paid'])
      .whereNot('period', excludePeriod)
      .groupBy('workspace');
    if (workspaces) {
      granted.whereIn('workspace', workspaces);
      used.whereIn('workspace', workspaces);
    }
    const usedBy = new Map(
      (await used).map(r => [r.workspace as string, num(r.s)]),
    );
    const out = new Map<string, number>();
    for (const r of await granted)
      out.set(
        r.workspace,
        Math.max(0, num(r.s) - (usedBy.get(r.workspace) ?? 0)),
      );
    return out;
  }

  async saveDrafts(invoices: Invoice[]): Promise<void> {
    await this.db.transaction(async tx => {
      for (let i = 0; i < invoices.length; i += 500) {
        const chunk = invoices.slice(i, i + 500);
        const existing = new Map<string, string>(
          (
            await tx('billing_invoices')
              .select('id', 'status')
              .whereIn(
                'id',
                chunk.map(c => c.id),
              )
          ).map(r => [r.id, r.status]),
        );
        const fresh = chunk
          .filter(c => !existing.has(c.id))
          .map(c => this.draftRow(c));
        if (fresh.length) await tx('billing_invoices').insert(fresh);
        for (const c of chunk.filter(x => existing.get(x.id) === 'draft')) {
          await tx('billing_invoices')
            .where({ id: c.id, status: 'draft' })
            .update(this.draftRow(c));
        }
      }
    });
  }

  private draftRow(invoice: Invoice) {
    return {
      id: invoice.id,
      workspace: invoice.workspace,
      period: invoice.period,
      status: 'draft',
      currency: invoice.currency,
      lines: JSON.stringify(invoice.lines),
      subtotal_minor: invoice.subtotalMinor,
      credit_minor: invoice.creditMinor,
      total_minor: invoice.totalMinor,
    };
  }

  async usageByDimension(
    period: string,
    column: 'workspace' | 'cost_center' | 'template' | 'sandbox_name',
  ) {
    const rows = await this.db('billing_usage')
      .select(
        this.db.raw(`COALESCE(${column}, '') AS k`),
        'workspace',
        this.db.raw(SUMS),
      )
      .where({ period })
      .groupByRaw(`COALESCE(${column}, ''), workspace`)
      .orderByRaw(`COALESCE(${column}, ''), workspace`);
    return rows.map(r => ({ key: r.k, workspace: r.workspace, ...totals(r) }));
  }

  async usageByDay(workspace: string, from: number, to: number) {
    const day = 86_400_000;
    const rows = await this.db('billing_usage')
      .select(this.db.raw(`(started_at / ${day}) AS d`), this.db.raw(SUMS))
      .where({ workspace })
      .andWhere('started_at', '>=', from)
      .andWhere('started_at', '<', to)
      .groupByRaw(`started_at / ${day}`)
      .orderBy('d');
    return rows.map(r => ({
      day: new Date(num(r.d) * day).toISOString().slice(0, 10),
      ...totals(r),
    }));
  }

  private mapToInvoice(r: any): Invoice {
    return {
      id: r.id,
      workspace: r.workspace,
      period: r.period,
      status: r.status,
      currency: r.currency,
      ...(r.number ? { number: r.number } : {}),
      lines: JSON.parse(r.lines),
      subtotalMinor: num(r.subtotal_minor),
      creditMinor: num(r.credit_minor),
      totalMinor: num(r.total_minor),
      ...(r.finalized_at !== null && r.finalized_at !== undefined
        ? { finalizedAt: iso(r.finalized_at) }
        : {}),
      ...(r.paid_at !== null && r.paid_at !== undefined
        ? { paidAt: iso(r.paid_at) }
        : {}),
      ...(r.provider_ref ? { providerRef: r.provider_ref } : {}),
    };
  }

  async getInvoice(
    workspace: string,
    period: string,
  ): Promise<Invoice | undefined> {
    const r = await this.db('billing_invoices')
      .where({ workspace, period })
      .first();
    return r ? this.mapToInvoice(r) : undefined;
  }

  async getInvoiceById(id: string): Promise<Invoice | undefined> {
    const r = await this.db('billing_invoices').where({ id }).first();
    return r ? this.mapToInvoice(r) : undefined;
  }

  async listInvoices(filter: {
    workspace?: string;
    period?: string;
  }): Promise<Invoice[]> {
    const q = this.db('billing_invoices').orderBy([
      { column: 'period', order: 'desc' },
      { column: 'workspace' },
    ]);
    if (filter.workspace) q.where('workspace', filter.workspace);
    if (filter.period) q.where('period', filter.period);
    return (await q).map(r => this.mapToInvoice(r));
  }

  async transition(
    id: string,
    from: InvoiceStatus[],
    to: InvoiceStatus,
    fields: {
      number?: string;
      finalizedAt?: number;
      paidAt?: number;
      providerRef?: string;
    } = {},
  ): Promise<Invoice | undefined> {
    const patch: Record<string, unknown> = { status: to };
    if (fields.number !== undefined) patch.number = fields.number;
    if (fields.finalizedAt !== undefined)
      patch.finalized_at = fields.finalizedAt;
    if (fields.paidAt !== undefined) patch.paid_at = fields.paidAt;
    if (fields.providerRef !== undefined)
      patch.provider_ref = fields.providerRef;
    const n = await this.db('billing_invoices')
      .where({ id })
      .whereIn('status', from)
      .update(patch);
    return n > 0 ? this.getInvoiceById(id) : undefined;
  }

  async addCredit(credit: Credit): Promise<void> {
    await this.db('billing_credits').insert({
      id: credit.id,
      workspace: credit.workspace,
      amount_minor: credit.amountMinor,
      reason: credit.reason,
      created_at: Date.parse(credit.createdAt),
    });
  }

  async listCredits(workspace: string): Promise<Credit[]> {
    const rows = await this.db('billing_credits')
      .where({ workspace })
      .orderBy([{ column: 'created_at' }, { column: 'id' }]);
    return rows.map(r => ({
      id: r.id,
      workspace: r.workspace,
      amountMinor: num(r.amount_minor),
      reason: r.reason,
      createdAt: iso(r.created_at)!,
    }));
  }

  async isEventProcessed(eventId: string): Promise<boolean> {
    return !!(await this.db('billing_webhook_events')
      .where({ event_id: eventId })
      .first());
  }

  async markEventProcessed(
    eventId: string,
    type: string,
    at: number,
  ): Promise<boolean> {
    const out = await this.db('billing_webhook_events')
      .insert({ event_id: eventId, type, received_at: at })
      .onConflict('event_id')
      .ignore()
      .returning('event_id');
    return out.length > 0;
  }
}
