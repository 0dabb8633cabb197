// Benchmark: ingest 1M usage-ledger records through the billing ingester (UsageIngester.run, the
// scheduled task's code with its default page and batch sizes, reading from a generated ledger
// instead of the sandbox backend's HTTP API) and rate the month; on SQLite and on PostgreSQL. The
// stores are created by DatabaseBillingStore.create, so they run with the production PRAGMAs.
// Targets (issue "Billing"): >= 20k records/s ingested, invoicing a 1M-row month < 2 s.
//
//   node test/bench/billing.mjs [--n 1000000] [--workspaces 200] [--batch 20000] [--sqlite-only | --postgres-only]
// --batch sets the records per ingestion transaction (billing.ingestion.batchSize, default 20000).
// Each result also prints the machine's 1-minute load average at start and end and this process's
// CPU seconds: on a shared machine the wall-clock figures only mean something next to those.
// PostgreSQL ingests through one INSERT ... SELECT FROM unnest(<one typed array per column>) per
// 20k rows; SQLite through INSERT ... SELECT FROM json_each(<one JSON array of rows>) per 5000 rows.
// Generating the records (two ISO dates each) is inside the timed part, as parsing the ledger's
// JSON pages would be in production.
// Baseline, SQLite, same run: the same rows (same generator, same toUsageRow) into the same table
// (created by the store's migrations, same PRAGMAs) through one prepared better-sqlite3 INSERT per
// row, the same records per transaction, no knex, no totals, no cursor: the floor of this schema
// on this machine. The SQLite result prints its ratio to it.
// PostgreSQL: BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING (scripts/services/postgres.sh).
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
require('sucrase/register/ts'); // load the plugin's TypeScript sources directly
const knexFactory = require('knex');
const { DatabaseBillingStore, SQLITE_CACHE_KIB, USAGE_COLUMNS, toUsageRow } = require('../../plugins/billing-backend/src/database/DatabaseBillingStore.ts');
const { UsageIngester, DEFAULT_INGEST_BATCH, MAX_LEDGER_PAGE } = require('../../plugins/billing-backend/src/service/UsageIngester.ts');
const { BillingService } = require('../../plugins/billing-backend/src/service/BillingService.ts');
const { ManualInvoiceProvider } = require('../../plugins/billing-backend/src/service/payments.ts');
const { DEFAULT_PLANS } = require('../../plugins/billing-common/src/index.ts');

const arg = (name, dflt) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : dflt);
const N = arg('--n', 1_000_000);
const WORKSPACES = arg('--workspaces', 200);
const BATCH = arg('--batch', DEFAULT_INGEST_BATCH);
const logger = { info() {}, warn() {}, error() {}, debug() {}, child() { return logger; } };

/**
 * Deterministic ledger records for November 2026: 1 h compute or 10 h storage intervals. Like the
 * real ledger (append-only, ids in closing order), start times grow with the id; keys and
 * workspaces are spread over 5000 sandboxes and --workspaces workspaces.
 */
function record(id) {
  const start = Date.parse('2026-11-01T00:00:00Z');
  const span = 29 * 86_400_000;
  const ws = `ws-${id % WORKSPACES}`;
  const s = start + Math.floor((id / N) * span);
  const compute = id % 4 !== 0;
  const dur = compute ? 3_600_000 : 36_000_000;
  return {
    id,
    key: `sb-${id % 5000}:${id}:0`,
    sandboxId: `sb-${id % 5000}`,
    sandboxName: `box-${id % 5000}`,
    workspace: ws,
    owner: `user:default/u${id % 300}`,
    template: ['python', 'node', 'go', 'gpu'][id % 4],
    ...(id % 3 ? { costCenter: `cc-${id % 10}` } : {}),
    kind: compute ? 'compute' : 'storage',
    vcpus: [0.5, 1, 2, 4][id % 4],
    memoryMiB: [512, 1024, 4096, 8192][id % 4],
    diskGiB: 10,
    gpus: 0,
    startedAt: new Date(s).toISOString(),
    endedAt: new Date(s + dur).toISOString(),
    durationMs: dur,
  };
}

/** The ledger API's paging (GET /api/sandbox/usage?after=&limit=) over ids 1..N. */
const ledger = {
  pages: 0,
  async read(after, limit) {
    this.pages++;
    const items = [];
    for (let id = after + 1; id <= Math.min(after + limit, N); id++) items.push(record(id));
    return { items, nextCursor: after + limit < N ? after + limit : undefined };
  },
};

async function bench(label, knex) {
  const database = { getClient: async () => knex, migrations: { skip: false } };
  const store = await DatabaseBillingStore.create({ database });
  ledger.pages = 0;
  const ingester = new UsageIngester({ store, source: ledger, logger, batchSize: BATCH, rereadWindow: 0 });
  const clock = { now: () => new Date('2026-12-01T01:00:00Z') };
  const service = new BillingService({ store, clock, logger, provider: new ManualInvoiceProvider() });
  await service.init(Object.values(DEFAULT_PLANS));

  const load0 = loadavg()[0];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { inserted, pages } = await ingester.run();
  const ingestS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const ingestCpuS = (cpu.user + cpu.system) / 1e6;

  const t1 = performance.now();
  const invoices = await service.generatePeriod('2026-11');
  const invoiceS = (performance.now() - t1) / 1000;
  const t2 = performance.now();
  const again = await service.generatePeriod('2026-11');
  const rerunS = (performance.now() - t2) / 1000;
  const identical = JSON.stringify(invoices) === JSON.stringify(again);
  const total = invoices.reduce((s, i) => s + i.totalMinor, 0);

  const result = {
    db: label,
    records: N,
    inserted,
    ledgerPages: pages,
    pageSize: MAX_LEDGER_PAGE,
    recordsPerTransaction: BATCH,
    recordsPerSecond: Math.round(N / ingestS),
    ingestSeconds: +ingestS.toFixed(2),
    ingestCpuSecondsNode: +ingestCpuS.toFixed(2),
    loadAverage1m: [+load0.toFixed(1), +loadavg()[0].toFixed(1)],
    invoices: invoices.length,
    invoiceSeconds: +invoiceS.toFixed(3),
    rerunSeconds: +rerunS.toFixed(3),
    rerunIdentical: identical,
    totalMinor: total,
    targets: { recordsPerSecond: N / ingestS >= 20_000, invoiceUnder2s: invoiceS < 2 },
  };
  console.log(JSON.stringify(result));
  return result;
}

async function sqliteBaseline(file) {
  const schema = knexFactory({ client: 'better-sqlite3', connection: { filename: file }, useNullAsDefault: true });
  await DatabaseBillingStore.create({ database: { getClient: async () => schema, migrations: { skip: false } } });
  await schema.destroy();
  const Database = require('better-sqlite3');
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
    const insert = db.prepare(
      `INSERT INTO billing_usage (${USAGE_COLUMNS.join(',')}) VALUES (${USAGE_COLUMNS.map(() => '?').join(',')}) ON CONFLICT DO NOTHING`,
    );
    const inTransaction = db.transaction(rows => {
      let n = 0;
      for (const row of rows) n += insert.run(row).changes;
      return n;
    });
    let inserted = 0;
    const t0 = performance.now();
    for (let first = 1; first <= N; first += BATCH) {
      const rows = [];
      for (let id = first; id < Math.min(first + BATCH, N + 1); id++) {
        const u = toUsageRow(record(id));
        rows.push(USAGE_COLUMNS.map(c => u[c]));
      }
      inserted += inTransaction(rows);
    }
    const seconds = (performance.now() - t0) / 1000;
    return { inserted, recordsPerSecond: Math.round(N / seconds), seconds: +seconds.toFixed(2) };
  } finally {
    db.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'billing-bench-'));
try {
  if (!process.argv.includes('--postgres-only')) {
    const baseline = await sqliteBaseline(join(dir, 'baseline.sqlite'));
    console.log(JSON.stringify({ db: 'sqlite', baseline: 'prepared better-sqlite3 INSERT per row, same rows, table and transactions', ...baseline }));
    // The store sets the SQLite PRAGMAs itself (WAL, synchronous NORMAL, 64 MiB page cache).
    const sqlite = knexFactory({ client: 'better-sqlite3', connection: { filename: join(dir, 'bench.sqlite') }, useNullAsDefault: true });
    const result = await bench('sqlite', sqlite);
    await sqlite.destroy();
    console.log(JSON.stringify({ db: 'sqlite', ratioToBaseline: +(result.recordsPerSecond / baseline.recordsPerSecond).toFixed(2) }));
  }

  const pgUrl = process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;
  if (pgUrl && !process.argv.includes('--sqlite-only')) {
    const admin = knexFactory({ client: 'pg', connection: pgUrl });
    const name = `billing_bench_${Date.now()}`;
    await admin.raw(`CREATE DATABASE ${name}`);
    const pg = knexFactory({ client: 'pg', connection: `${pgUrl}/${name}` });
    try {
      await bench('postgres', pg);
    } finally {
      await pg.destroy();
      await admin.raw(`DROP DATABASE ${name}`);
      await admin.destroy();
    }
  } else {
    console.log(JSON.stringify({ db: 'postgres', skipped: pgUrl ? '--sqlite-only' : 'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING unset' }));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
