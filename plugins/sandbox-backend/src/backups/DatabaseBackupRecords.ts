import type { Backup, BackupSchedule, BackupState, BackupTrigger } from '@internal/plugin-sandbox-common';
import { Knex } from 'knex';
import { toDate } from '../database/dates';

type BackupRow = {
  id: string;
  sandbox_id: string;
  sandbox_name: string;
  workspace: string;
  state: string;
  trigger: string;
  size_bytes: number | string | null;
  sha256: string | null;
  created_at: Date | string | number;
  created_by: string;
  completed_at: Date | string | number | null;
  duration_ms: number | null;
  error: string | null;
};

type ScheduleRow = {
  workspace: string;
  cron: string | null;
  interval_hours: number | null;
  retention_count: number;
  retention_days: number | null;
  last_run_at: Date | string | number | null;
  updated_at: Date | string | number;
  updated_by: string;
};

function toBackup(row: BackupRow): Backup {
  return {
    id: row.id,
    sandboxId: row.sandbox_id,
    sandboxName: row.sandbox_name,
    workspace: row.workspace,
    state: row.state as BackupState,
    trigger: row.trigger as BackupTrigger,
    sizeBytes: row.size_bytes === null ? null : Number(row.size_bytes),
    sha256: row.sha256,
    createdAt: toDate(row.created_at).toISOString(),
    createdBy: row.created_by,
    ...(row.completed_at !== null ? { completedAt: toDate(row.completed_at).toISOString() } : {}),
    ...(row.duration_ms !== null ? { durationMs: row.duration_ms } : {}),
    ...(row.error ? { error: row.error } : {}),
  };
}

function toSchedule(row: ScheduleRow): BackupSchedule {
  return {
    workspace: row.workspace,
    cron: row.cron,
    intervalHours: row.interval_hours,
    retentionCount: row.retention_count,
    retentionDays: row.retention_days,
    ...(row.last_run_at !== null ? { lastRunAt: toDate(row.last_run_at).toISOString() } : {}),
    updatedAt: toDate(row.updated_at).toISOString(),
    updatedBy: row.updated_by,
  };
}

/** Backup records and schedules in the plugin's database (tables of migrations/20261128_backups.js). */
export class DatabaseBackupRecords {
  constructor(private readonly knex: Knex) {}

  async insert(backup: {
    id: string;
    sandboxId: string;
    sandboxName: string;
    workspace: string;
    trigger: BackupTrigger;
    createdAt: Date;
    createdBy: string;
  }): Promise<void> {
    await this.knex('sandbox_backups').insert({
      id: backup.id,
      sandbox_id: backup.sandboxId,
      sandbox_name: backup.sandboxName,
      workspace: backup.workspace,
      state: 'in_progress',
      trigger: backup.trigger,
      created_at: backup.createdAt,
      created_by: backup.createdBy,
    });
  }

  /** Compare-and-set from `in_progress`; false when the row is not in progress any more. */
  async finish(
    id: string,
    result: { state: 'complete' | 'failed'; sizeBytes?: number; sha256?: string; completedAt: Date; durationMs: number; error?: string },
  ): Promise<boolean> {
    const n = await this.knex('sandbox_backups')
      .where({ id, state: 'in_progress' })
      .update({
        state: result.state,
        size_bytes: result.sizeBytes ?? null,
        sha256: result.sha256 ?? null,
        completed_at: result.completedAt,
        duration_ms: result.durationMs,
        error: result.error?.slice(0, 2000) ?? null,
      });
    return n === 1;
  }

  async get(id: string): Promise<Backup | undefined> {
    const row = await this.knex<BackupRow>('sandbox_backups').where({ id }).first();
    return row ? toBackup(row) : undefined;
  }

  /** Newest first. */
  async list(filter: { sandboxId?: string; workspace?: string; state?: BackupState; trigger?: BackupTrigger }): Promise<Backup[]> {
    const query = this.knex<BackupRow>('sandbox_backups').orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ]);
    if (filter.sandboxId) query.where('sandbox_id', filter.sandboxId);
    if (filter.workspace) query.where('workspace', filter.workspace);
    if (filter.state) query.where('state', filter.state);
    if (filter.trigger) query.where('trigger', filter.trigger);
    return (await query).map(toBackup);
  }

  /** In-progress backups started before `before` (their process died): marked failed. */
  async failStale(before: Date, at: Date): Promise<string[]> {
    const rows = await this.knex<BackupRow>('sandbox_backups')
      .where('state', 'in_progress')
      .where('created_at', '<', before)
      .select('id');
    const failed: string[] = [];
    for (const { id } of rows) {
      const ok = await this.finish(id, { state: 'failed', completedAt: at, durationMs: 0, error: 'interrupted (the backend stopped during the backup)' });
      if (ok) failed.push(id);
    }
    return failed;
  }

  /** The newest completion time of a complete backup, per workspace. */
  async lastSuccessByWorkspace(): Promise<Array<{ workspace: string; at: Date }>> {
    const rows = (await this.knex('sandbox_backups')
      .where('state', 'complete')
      .groupBy('workspace')
      .select('workspace')
      .max({ at: 'completed_at' })) as unknown as Array<{ workspace: string; at: Date | string | number }>;
    return rows.map(r => ({ workspace: r.workspace, at: toDate(r.at) }));
  }

  /** The newest completion time of a complete backup, per sandbox of the given workspaces. */
  async newestCompleteBySandbox(workspaces: string[]): Promise<Map<string, Date>> {
    if (workspaces.length === 0) return new Map();
    const rows = (await this.knex('sandbox_backups')
      .where('state', 'complete')
      .whereIn('workspace', workspaces)
      .groupBy('sandbox_id')
      .select('sandbox_id')
      .max({ at: 'completed_at' })) as unknown as Array<{ sandbox_id: string; at: Date | string | number }>;
    return new Map(rows.map(r => [r.sandbox_id, toDate(r.at)]));
  }

  async delete(id: string): Promise<boolean> {
    return (await this.knex('sandbox_backups').where({ id }).delete()) === 1;
  }

  async ids(): Promise<Set<string>> {
    return new Set((await this.knex('sandbox_backups').select('id')).map((r: { id: string }) => r.id));
  }

  async putSchedule(schedule: Omit<BackupSchedule, 'lastRunAt' | 'updatedAt'> & { updatedAt: Date }): Promise<BackupSchedule> {
    const row = {
      workspace: schedule.workspace,
      cron: schedule.cron,
      interval_hours: schedule.intervalHours,
      retention_count: schedule.retentionCount,
      retention_days: schedule.retentionDays,
      updated_at: schedule.updatedAt,
      updated_by: schedule.updatedBy,
    };
    await this.knex('sandbox_backup_schedules').insert(row).onConflict('workspace').merge();
    return (await this.getSchedule(schedule.workspace))!;
  }

  async getSchedule(workspace: string): Promise<BackupSchedule | undefined> {
    const row = await this.knex<ScheduleRow>('sandbox_backup_schedules').where({ workspace }).first();
    return row ? toSchedule(row) : undefined;
  }

  async deleteSchedule(workspace: string): Promise<boolean> {
    return (await this.knex('sandbox_backup_schedules').where({ workspace }).delete()) === 1;
  }

  async listSchedules(): Promise<BackupSchedule[]> {
    return (await this.knex<ScheduleRow>('sandbox_backup_schedules').orderBy('workspace')).map(toSchedule);
  }

  /** Compare-and-set of the last run, so two replicas never run one schedule twice. */
  async claimRun(workspace: string, previous: string | undefined, at: Date): Promise<boolean> {
    const query = this.knex('sandbox_backup_schedules').where({ workspace });
    if (previous) query.where('last_run_at', new Date(previous));
    else query.whereNull('last_run_at');
    return (await query.update({ last_run_at: at })) === 1;
  }
}
