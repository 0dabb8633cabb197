import { mockServices } from '@backstage/backend-test-utils';
import knexFactory from 'knex';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseBillingStore } from './DatabaseBillingStore';

describe('DatabaseBillingStore on a SQLite file', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'billing-sqlite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the database in WAL mode with synchronous = NORMAL (one WAL append per ingestion batch) and a 64 MiB page cache', async () => {
    const knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(dir, 'billing.sqlite') },
      useNullAsDefault: true,
    });
    try {
      await DatabaseBillingStore.create({ database: mockServices.database({ knex, migrations: { skip: false } }) });
      const [mode] = await knex.raw('PRAGMA journal_mode');
      const [sync] = await knex.raw('PRAGMA synchronous');
      const [cache] = await knex.raw('PRAGMA cache_size');
      expect(cache.cache_size).toBe(-65536);
      expect(mode.journal_mode).toBe('wal');
      expect(sync.synchronous).toBe(1);
    } finally {
      await knex.destroy();
    }
  });
});
