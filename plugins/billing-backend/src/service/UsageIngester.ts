import { LoggerService } from '@backstage/backend-plugin-api';
import { BillingStore, LedgerRecord } from '../database/BillingStore';
import { BillingMetrics } from './metrics';

/** Reads the sandbox usage ledger page by page (GET /api/sandbox/usage). */
export interface UsageSource {
  read(after: number, limit: number): Promise<{ items: LedgerRecord[]; nextCursor?: number }>;
}

export const LEDGER_CURSOR = 'sandbox-usage';

/**
 * Copies the ledger into billing_usage. Each page is inserted and the cursor advanced in ONE
 * transaction, so a crash between pages loses nothing and a restart continues at the stored cursor;
 * the unique ledger id/key make a repeated page a no-op.
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
      pageSize?: number;
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
    const pageSize = this.options.pageSize ?? 1000;
    const end = metrics?.ingestDuration.startTimer();
    const stored = await store.getCursor(LEDGER_CURSOR);
    let after = Math.max(0, stored - (this.options.rereadWindow ?? 0));
    let inserted = 0;
    let pages = 0;
    try {
      for (;;) {
        if (options.maxPages !== undefined && pages >= options.maxPages) break;
        const page = await source.read(after, pageSize);
        pages++;
        inserted += await this.ingestRecords(page.items);
        if (page.nextCursor === undefined || page.items.length === 0) break;
        after = page.nextCursor;
      }
    } finally {
      end?.();
    }
    const cursor = await store.getCursor(LEDGER_CURSOR);
    if (inserted > 0) logger.info(`billing ingested ${inserted} usage records (cursor ${cursor})`);
    return { inserted, pages, cursor };
  }
}
