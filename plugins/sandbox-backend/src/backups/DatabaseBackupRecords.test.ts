import { mockServices } from '@backstage/backend-test-utils';
import { createTestDatabases } from '../__testUtils__/databases';
import { DatabaseSandboxStore } from '../database/DatabaseSandboxStore';
import { DatabaseBackupRecords } from './DatabaseBackupRecords';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())('DatabaseBackupRecords (%s)', databaseId => {
  async function setup() {
    const knex = await databases.init(databaseId);
    // the plugin's store runs all migrations, 20261128_backups.js included
    await DatabaseSandboxStore.create({ database: mockServices.database({ knex, migrations: { skip: false } }) });
    return new DatabaseBackupRecords(knex);
  }
  const t0 = new Date('2026-11-01T10:00:00.000Z');
  const base = { sandboxId: 's1', sandboxName: 'box', workspace: 'team-a', createdBy: 'user:default/ada' };

  it('keeps records with compare-and-set completion, newest first, and fails stale ones', async () => {
    const records = await setup();
    await records.insert({ ...base, id: 'bk-1', trigger: 'manual', createdAt: t0 });
    await records.insert({ ...base, id: 'bk-2', trigger: 'schedule', createdAt: new Date(t0.getTime() + 1000) });
    expect(await records.finish('bk-1', { state: 'complete', sizeBytes: 5_000_000_000, sha256: 'ab', completedAt: t0, durationMs: 12 })).toBe(true);
    expect(await records.finish('bk-1', { state: 'failed', completedAt: t0, durationMs: 1 })).toBe(false);
    expect(await records.get('bk-1')).toMatchObject({ state: 'complete', sizeBytes: 5_000_000_000, sha256: 'ab', durationMs: 12, completedAt: t0.toISOString() });
    expect((await records.list({ sandboxId: 's1' })).map(b => b.id)).toEqual(['bk-2', 'bk-1']);
    expect((await records.list({ workspace: 'team-a', trigger: 'schedule', state: 'in_progress' })).map(b => b.id)).toEqual(['bk-2']);
    expect(await records.failStale(t0, t0)).toEqual([]);
    expect(await records.failStale(new Date(t0.getTime() + 2000), t0)).toEqual(['bk-2']);
    expect((await records.get('bk-2'))!.error).toContain('interrupted');
    expect(await records.lastSuccessByWorkspace()).toEqual([{ workspace: 'team-a', at: t0 }]);
    expect(await records.ids()).toEqual(new Set(['bk-1', 'bk-2']));
    expect(await records.delete('bk-2')).toBe(true);
    expect(await records.get('bk-2')).toBeUndefined();
  });

  it('upserts schedules and claims a run once per last-run value', async () => {
    const records = await setup();
    const schedule = { workspace: 'team-a', cron: '0 3 * * *', intervalHours: null, retentionCount: 3, retentionDays: 7, updatedBy: 'u' };
    await records.putSchedule({ ...schedule, updatedAt: t0 });
    const updated = await records.putSchedule({ ...schedule, cron: null, intervalHours: 4, updatedAt: t0 });
    expect(updated).toMatchObject({ cron: null, intervalHours: 4, retentionCount: 3, retentionDays: 7 });
    expect(updated.lastRunAt).toBeUndefined();
    expect(await records.claimRun('team-a', undefined, t0)).toBe(true);
    expect(await records.claimRun('team-a', undefined, t0)).toBe(false);
    const t1 = new Date(t0.getTime() + 3_600_000);
    expect(await records.claimRun('team-a', t0.toISOString(), t1)).toBe(true);
    expect(await records.claimRun('team-a', t0.toISOString(), t1)).toBe(false);
    expect((await records.listSchedules()).map(s => s.lastRunAt)).toEqual([t1.toISOString()]);
    expect(await records.getSchedule('nope')).toBeUndefined();
  });
});
