import { LoggerService } from '@backstage/backend-plugin-api';
import { BillingStore, LedgerRecord } from '../database/BillingStore';
import { BillingMetrics } from './metrics';

/** Reads the sandbox usage ledger page by page (GET /api/sandbox/usage). */
export interface UsageSource {
  read(after: number, limit: number): Promise<{ items: LedgerRecord[]; nextCursor?: number }>;
}

export const LEDGER_CURSOR = 'sandbox-usage';

/** Largest page the sandbox ledger API serves (`GET /usage?limit=`). */
export const MAX_LEDGER_PAGE = 10000;
/** Default records per ingestion transaction. */
export const DEFAULT_INGEST_BATCH = 20000;

/**
 * Copies the ledger into billing_usage. Pages are gathered into batches of about `batchSize`
 * records; each batch is inserted and the cursor advanced in ONE transaction, so a crash between
 * (or within) batches loses nothing and a restart continues at the stored cursor; the unique ledger
 * id/key make a repeated page a no-op.
 *
 * Why batches larger than a page: on SQLite every transaction rewrites each index page it touched
 * into the write-ahead log, and the ledger-key index is touched at one place per sandbox. Measured
 * with `test/bench/billing.mjs` (1M records): 5000 records per transaction 36k records/s, 10000
 * 48k, 20000 58k. PostgreSQL is indifferent.
 *
 * Each run starts `rereadWindow` ids before the stored cursor: ledger ids come from a sequence and a
 * record with a smaller id can commit after a larger one was read; re-reading that window (duplicates
 * are ignored) picks such late commits up.
 */
export class UsageIngester {
  constructor(
    private readonly options: {
      store: BillingStore;
      source: UsageSource;
      logger: LoggerService;
      metrics?: BillingMetrics;
      /** Records per ledger request (at most MAX_LEDGER_PAGE). */
      pageSize?: number;
      /** Records per ingestion transaction (pages are gathered until it is reached). */
      batchSize?: number;
      rereadWindow?: number;
    },
  ) {}

  /** Inserts records (the bench feeds this directly, without HTTP). */
  async ingestRecords(records: LedgerRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    const value = records.reduce((m, r) => Math.max(m, r.id), 0);
    const inserted = await this.options.store.ingest(records, { name: LEDGER_CURSOR, value });
    this.options.metrics?.ingested.inc(inserted);
    return inserted;
  }

  /** Ingests until the ledger has no more pages (or `maxPages`). Returns the number of new rows. */
  async run(options: { maxPages?: number } = {}): Promise<{ inserted: number; pages: number; cursor: number }> {
    const { store, source, logger, metrics } = this.options;
    const pageSize = Math.min(this.options.pageSize ?? MAX_LEDGER_PAGE, MAX_LEDGER_PAGE);
    const batchSize = Math.max(this.options.batchSize ?? DEFAULT_INGEST_BATCH, pageSize);
    const end = metrics?.ingestDuration.startTimer();
    const stored = await store.getCursor(LEDGER_CURSOR);
    let after = Math.max(0, stored - (this.options.rereadWindow ?? 0));
    let inserted = 0;
    let pages = 0;
    let batch: LedgerRecord[] = [];
    try {
      for (;;) {
        if (options.maxPages !== undefined && pages >= options.maxPages) break;
        const page = await source.read(after, pageSize);
        pages++;
        for (const r of page.items) batch.push(r);
        const last = page.nextCursor === undefined || page.items.length === 0;
        if (batch.length >= batchSize || last) {
          inserted += await this.ingestRecords(batch);
          batch = [];
        }
        if (last) break;
        after = page.nextCursor!;
      }
      // stopped by maxPages with pages gathered: commit them
      inserted += await this.ingestRecords(batch);
    } finally {
      end?.();
    }
    const cursor = await store.getCursor(LEDGER_CURSOR);
    if (inserted > 0) logger.info(`billing ingested ${inserted} usage records (cursor ${cursor})`);
    return { inserted, pages, cursor };
  }
}
