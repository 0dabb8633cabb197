import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { createHarness } from '../../__testUtils__/harness';
import { LocalDirectoryBackupStore } from '../BackupStore';
import { BackupService, BackupServiceOptions } from '../BackupService';
import { DatabaseBackupRecords } from '../DatabaseBackupRecords';
import { BackupMetrics } from '../metrics';

/** The sandbox harness (SQLite + in-memory driver) plus a backup service on a temp directory. */
export async function createBackupHarness(overrides: Partial<BackupServiceOptions> = {}) {
  const harness = await createHarness();
  const directory = await mkdtemp(path.join(os.tmpdir(), 'backups-'));
  const records = new DatabaseBackupRecords(harness.knex);
  const backupStore = new LocalDirectoryBackupStore(directory);
  const registry = new Registry();
  const metrics = new BackupMetrics(registry);
  const options: BackupServiceOptions = {
    records,
    store: backupStore,
    sandboxes: harness.service,
    driver: harness.driver,
    clock: harness.clock,
    logger: harness.logger,
    metrics,
    provisionTimeoutMs: 5_000,
    ...overrides,
  };
  const backups = new BackupService(options);
  return { ...harness, directory, records, backupStore, backups, registry, metrics, options };
}
