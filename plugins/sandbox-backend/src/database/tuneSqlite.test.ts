import knexFactory from 'knex';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tuneSqlite } from './DatabaseSandboxStore';

describe('tuneSqlite', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tune-sqlite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('puts a SQLite file database in WAL mode with synchronous = NORMAL', async () => {
    const db = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(dir, 'sandbox.sqlite') },
      useNullAsDefault: true,
    });
    try {
      await tuneSqlite(db);
      const [mode] = await db.raw('PRAGMA journal_mode');
      const [sync] = await db.raw('PRAGMA synchronous');
      expect(mode.journal_mode).toBe('wal');
      expect(sync.synchronous).toBe(1); // NORMAL
    } finally {
      await db.destroy();
    }
  });

  it('leaves other databases alone', async () => {
    const raw = jest.fn();
    await tuneSqlite({ client: { config: { client: 'pg' } }, raw } as any);
    expect(raw).not.toHaveBeenCalled();
  });
});
