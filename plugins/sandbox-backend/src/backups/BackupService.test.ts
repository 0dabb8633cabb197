import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { validRequest } from '../__testUtils__/harness';
import { BackupService, WORKSPACE_BLOB } from './BackupService';
import { createBackupHarness } from './__testUtils__/backupHarness';

const USER = 'user:default/ada';

async function withSandbox(overrides = {}) {
  const h = await createBackupHarness(overrides);
  const sandbox = await h.service.create({ ...validRequest }, USER);
  await h.service.idle();
  const record = await h.service.getRecord(sandbox.id);
  const files = h.driver.instances.get(record.externalId!)!.files;
  files.set('/workspace/src/main.py', 'print("hello")\n');
  files.set('/workspace/.env', 'A=1\n');
  return { ...h, sandbox: record, files };
}

describe('BackupService (in-memory driver, SQLite)', () => {
  it('backs up, verifies, writes the manifest last and restores into a new sandbox byte for byte', async () => {
    const h = await withSandbox();
    const backup = await h.backups.create(h.sandbox.id, USER);
    expect(backup).toMatchObject({ state: 'complete', trigger: 'manual', sandboxName: 'box', workspace: 'team-a', createdBy: USER });
    expect(backup.sizeBytes).toBeGreaterThan(0);
    const manifest = await h.backupStore.getManifest(backup.id);
    expect(manifest).toMatchObject({ state: 'complete', sandboxId: h.sandbox.id, blobs: [{ name: WORKSPACE_BLOB, sha256: backup.sha256 }] });
    expect(await readdir(path.join(h.directory, backup.id))).toEqual([WORKSPACE_BLOB, 'manifest.json'].sort());

    await h.service.delete(h.sandbox.id);
    await h.service.idle();
    const restored = await h.backups.restore(backup.id, { target: 'new', name: 'box-restored' }, USER);
    expect(restored).toMatchObject({ name: 'box-restored', state: 'running', labels: { 'portal.sandbox/restored-from': backup.id } });
    const files = h.driver.instances.get(restored.externalId!)!.files;
    expect(files.get('/workspace/src/main.py')).toBe('print("hello")\n');
    expect(files.get('/workspace/.env')).toBe('A=1\n');
    expect(await h.registry.getSingleMetricAsString('sandbox_backup_operations_total')).toContain(
      'sandbox_backup_operations_total{operation="restore",trigger="manual",outcome="success"} 1',
    );
    h.metrics.lastSuccessFrom(() => h.records.lastSuccessByWorkspace());
    expect(await h.registry.getSingleMetricAsString('sandbox_backup_last_success_timestamp_seconds')).toContain(
      `sandbox_backup_last_success_timestamp_seconds{workspace="team-a"} ${Date.parse(backup.completedAt!) / 1000}`,
    );
    expect(await h.registry.getSingleMetricAsString('sandbox_backup_size_bytes')).toContain('sandbox_backup_size_bytes_count{workspace="team-a"} 1');
  });

  it('restores in place into a stopped sandbox only, replacing what changed since', async () => {
    const h = await withSandbox();
    const backup = await h.backups.create(h.sandbox.id, USER);
    h.files.set('/workspace/src/main.py', 'broken');
    h.files.set('/workspace/new.txt', 'added later');
    await expect(h.backups.restore(backup.id, { target: 'in-place' }, USER)).rejects.toThrow(
      "Sandbox 'box' is running; restore in place needs a stopped sandbox (stop it first)",
    );
    await h.service.stop(h.sandbox.id);
    await h.service.idle();
    const restored = await h.backups.restore(backup.id, { target: 'in-place' }, USER);
    expect(restored.state).toBe('stopped');
    expect(h.files.get('/workspace/src/main.py')).toBe('print("hello")\n');
    expect(h.files.has('/workspace/new.txt')).toBe(false);
  });

  it('detects a corrupted blob at restore, naming backup and blob, and changes nothing', async () => {
    const h = await withSandbox();
    const backup = await h.backups.create(h.sandbox.id, USER);
    const blob = path.join(h.directory, backup.id, WORKSPACE_BLOB);
    await writeFile(blob, (await readFile(blob, 'utf8')).replace('hello', 'HELLO'));
    await h.service.stop(h.sandbox.id);
    await h.service.idle();
    h.files.set('/workspace/keep.txt', 'mine');
    const error = await h.backups.restore(backup.id, { target: 'in-place' }, USER).catch(e => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toContain(`Backup '${backup.id}' is corrupt: blob '${WORKSPACE_BLOB}' has sha256`);
    expect(h.files.get('/workspace/keep.txt')).toBe('mine');
    const before = (await h.service.list({ limit: 50 })).totalCount;
    await expect(h.backups.restore(backup.id, { target: 'new', name: 'other' }, USER)).rejects.toThrow('is corrupt');
    expect((await h.service.list({ limit: 50 })).totalCount).toBe(before);
    expect(h.driver.calls.filter(c => c.startsWith('import:'))).toEqual([]);
  });

  it('a crash between blob and manifest leaves no complete backup; cleanup fails it and removes the orphan', async () => {
    let crash!: () => void;
    const h = await withSandbox({
      // the process "dies" here: the backup never continues
      faults: { afterBlobs: () => new Promise<void>(resolve => (crash = resolve)).then(() => new Promise(() => {})) },
    });
    void h.backups.create(h.sandbox.id, USER);
    await new Promise(r => setTimeout(r, 200));
    crash();
    const [row] = await h.records.list({ sandboxId: h.sandbox.id });
    expect(row.state).toBe('in_progress');
    expect(await readdir(path.join(h.directory, row.id))).toEqual([WORKSPACE_BLOB]);
    expect(await h.backupStore.listManifests()).toEqual([]);
    await expect(h.backups.restore(row.id, { target: 'new', name: 'x' }, USER)).rejects.toThrow(
      `Backup '${row.id}' is in_progress; only complete backups can be restored`,
    );
    // a blob directory no record knows (a crash before the row was written is impossible, but a
    // directory copied in by hand is not) and a manifest that is not complete are orphans too
    await writeFile(path.join(h.directory, 'junk.tmp'), 'x').catch(() => undefined);
    const stray = path.join(h.directory, 'bk-stray');
    await require('node:fs/promises').mkdir(stray);
    await writeFile(path.join(stray, 'manifest.json'), '{"state":"in_progress"');

    // "restart": a new service instance, later
    h.clock.advance(7 * 3_600_000);
    const restarted = new BackupService({ ...h.options, faults: undefined });
    const report = await restarted.cleanup();
    expect(report.interrupted).toEqual([row.id]);
    expect(report.orphansRemoved.sort()).toEqual(['bk-stray', row.id].sort());
    expect((await h.records.get(row.id))!.state).toBe('failed');
    expect((await readdir(h.directory)).filter(f => f.startsWith('bk-'))).toEqual([]);
  });

  it('registers complete backups the database lost (restored from an older dump) instead of deleting them', async () => {
    const h = await withSandbox();
    const backup = await h.backups.create(h.sandbox.id, USER);
    await h.knex('sandbox_backups').delete();
    const report = await h.backups.cleanup();
    expect(report).toMatchObject({ adopted: [backup.id], orphansRemoved: [] });
    expect(await h.backups.get(backup.id)).toMatchObject({ state: 'complete', sha256: backup.sha256, sizeBytes: backup.sizeBytes, createdBy: USER });
    await h.service.delete(h.sandbox.id);
    await h.service.idle();
    const restored = await h.backups.restore(backup.id, { target: 'new', name: 'again' }, USER);
    expect(h.driver.instances.get(restored.externalId!)!.files.get('/workspace/.env')).toBe('A=1\n');
  });

  it('marks a failed export failed, removes its partial data and counts it', async () => {
    const h = await withSandbox();
    h.driver.failNext.export = 'engine said no';
    await expect(h.backups.create(h.sandbox.id, USER)).rejects.toThrow('engine said no');
    const [row] = await h.records.list({ sandboxId: h.sandbox.id });
    expect(row).toMatchObject({ state: 'failed', error: 'engine said no' });
    expect(await h.backupStore.listIds()).toEqual([]);
    expect(await h.registry.getSingleMetricAsString('sandbox_backup_operations_total')).toContain(
      'operation="backup",trigger="manual",outcome="failure"} 1',
    );
  });

  it('refuses sandboxes that are not running or stopped, unknown backups and drivers without backups', async () => {
    const h = await withSandbox();
    await h.service.delete(h.sandbox.id);
    await h.service.idle();
    await expect(h.backups.create(h.sandbox.id, USER)).rejects.toThrow("Sandbox 'box' is deleted; only running or stopped");
    await expect(h.backups.get('bk-nope')).rejects.toBeInstanceOf(NotFoundError);
    const noBackups = new BackupService({ ...h.options, driver: { ...h.driver, name: 'plain', exportWorkspace: undefined } as any });
    await expect(noBackups.create(h.sandbox.id, USER)).rejects.toThrow(InputError);
    await expect(noBackups.create(h.sandbox.id, USER)).rejects.toThrow("The 'plain' sandbox driver does not support backups");
  });

  it('deletes a backup (manifest first, then blobs and the record)', async () => {
    const h = await withSandbox();
    const backup = await h.backups.create(h.sandbox.id, USER);
    await h.backups.delete(backup.id);
    expect(await h.backupStore.listIds()).toEqual([]);
    await expect(h.backups.get(backup.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('removes a sandbox it created when the import into it fails', async () => {
    const h = await withSandbox();
    const backup = await h.backups.create(h.sandbox.id, USER);
    h.driver.failNext.import = 'disk full';
    await expect(h.backups.restore(backup.id, { target: 'new', name: 'box-2' }, USER)).rejects.toThrow('disk full');
    await h.service.idle();
    const page = await h.service.list({ limit: 50, includeDeleted: true });
    expect(page.items.find(s => s.name === 'box-2')?.state).toBe('deleted');
  });

  it('runs schedules: interval and cron, claimed once, with retention count and max age', async () => {
    const h = await withSandbox();
    await h.backups.create(h.sandbox.id, USER); // manual: kept whatever the retention
    await h.backups.setSchedule('team-a', { intervalHours: 1, retentionCount: 3, retentionDays: null }, USER);
    const made: string[] = [];
    for (let run = 0; run < 5; run++) {
      const report = await h.backups.runScheduled();
      made.push(...report.backedUp);
      expect(report.backedUp).toHaveLength(1);
      expect((await h.backups.runScheduled()).backedUp).toEqual([]); // not due again yet
      h.clock.advance(3_600_000);
    }
    const scheduled = await h.records.list({ sandboxId: h.sandbox.id, trigger: 'schedule' });
    expect(scheduled.map(b => b.id)).toEqual(made.slice(2).reverse());
    expect(await h.records.list({ sandboxId: h.sandbox.id, trigger: 'manual' })).toHaveLength(1);
    expect((await h.backupStore.listManifests()).length).toBe(4);

    // max age: 1 day
    await h.backups.setSchedule('team-a', { cron: '0 3 * * *', retentionCount: 10, retentionDays: 1 }, USER);
    h.clock.advance(2 * 86_400_000);
    const report = await h.backups.cleanup();
    expect(report.deleted.sort()).toEqual(made.slice(2).sort());
    await expect(h.backups.setSchedule('team-a', { cron: '99 * * * *', retentionCount: 1, retentionDays: null }, USER)).rejects.toThrow(
      'cron: cron field',
    );
  });

  it('exposes the scheduled outcome series at 0 from start-up and the newest complete backup per covered sandbox', async () => {
    const h = await withSandbox();
    const counters = await h.registry.getSingleMetricAsString('sandbox_backup_operations_total');
    for (const outcome of ['success', 'failure']) {
      expect(counters).toContain(`sandbox_backup_operations_total{operation="backup",trigger="schedule",outcome="${outcome}"} 0`);
    }
    h.metrics.newestCompleteFrom(() => h.backups.freshness());
    const gauge = () => h.registry.getSingleMetricAsString('sandbox_backup_newest_complete_timestamp_seconds');
    expect(await gauge()).not.toContain('{'); // no schedule: no sandbox is covered
    await h.backups.create(h.sandbox.id, USER); // a manual backup before the schedule counts too
    h.clock.advance(3_600_000);
    const schedule = await h.backups.setSchedule('team-a', { intervalHours: 24, retentionCount: 3, retentionDays: null }, USER);
    // a schedule set later than the newest backup: not overdue from before it existed
    expect(await gauge()).toContain(`{workspace="team-a",sandbox="box"} ${Date.parse(schedule.updatedAt) / 1000}`);
    h.clock.advance(3_600_000);
    const backup = await h.backups.create(h.sandbox.id, USER);
    expect(await gauge()).toContain(`{workspace="team-a",sandbox="box"} ${Date.parse(backup.completedAt!) / 1000}`);
    h.driver.failNext.export = 'engine said no';
    h.clock.advance(86_400_000);
    expect((await h.backups.runScheduled()).failed).toEqual([h.sandbox.id]);
    expect(await h.registry.getSingleMetricAsString('sandbox_backup_operations_total')).toContain(
      'sandbox_backup_operations_total{operation="backup",trigger="schedule",outcome="failure"} 1',
    );
    expect(await gauge()).toContain(`{workspace="team-a",sandbox="box"} ${Date.parse(backup.completedAt!) / 1000}`);
    await h.service.delete(h.sandbox.id);
    await h.service.idle();
    expect(await gauge()).not.toContain('sandbox="box"'); // gone with its sandbox
  });

  it('decides when a schedule is due', async () => {
    const h = await createBackupHarness();
    const base = { workspace: 'w', retentionCount: 1, retentionDays: null, updatedAt: '', updatedBy: '' };
    const at = (iso: string) => new Date(iso);
    const daily = { ...base, cron: '30 3 * * *', intervalHours: null };
    expect(h.backups.isDue({ ...daily, lastRunAt: '2026-11-01T03:00:00Z' }, at('2026-11-01T03:29:00Z'))).toBe(false);
    expect(h.backups.isDue({ ...daily, lastRunAt: '2026-11-01T03:00:00Z' }, at('2026-11-01T03:30:00Z'))).toBe(true);
    expect(h.backups.isDue({ ...daily, lastRunAt: '2026-11-01T03:30:00Z' }, at('2026-11-02T03:00:00Z'))).toBe(false);
    expect(h.backups.isDue(daily, at('2026-11-01T03:30:20Z'))).toBe(true);
    const weekdays = { ...base, cron: '*/15 8-18 1,15 * 1-5', intervalHours: null, lastRunAt: '2026-11-01T00:00:00Z' };
    // Sunday 2026-11-01 is day-of-month 1: either day field may match
    expect(h.backups.isDue(weekdays, at('2026-11-01T08:15:00Z'))).toBe(true);
    const sundays = { ...base, cron: '0 0 * * 7', intervalHours: null, lastRunAt: '2026-11-02T00:00:00Z' };
    expect(h.backups.isDue(sundays, at('2026-11-08T00:00:00Z'))).toBe(true);
    expect(h.backups.isDue({ ...base, cron: null, intervalHours: null }, at('2026-11-08T00:00:00Z'))).toBe(false);
    expect(h.backups.isDue({ ...base, cron: null, intervalHours: 24 }, at('2026-11-08T00:00:00Z'))).toBe(true);
  });
});
