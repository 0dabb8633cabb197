import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import type {
  Backup,
  BackupBlob,
  BackupManifest,
  BackupSchedule,
  BackupTrigger,
  Sandbox,
} from '@internal/plugin-sandbox-common';
import { randomBytes } from 'node:crypto';
import { SandboxDriver } from '../drivers/types';
import { SandboxService } from '../service/SandboxService';
import { Clock } from '../service/types';
import { BackupStore } from './BackupStore';
import { CronExpression } from './cron';
import { DatabaseBackupRecords } from './DatabaseBackupRecords';
import { BackupMetrics } from './metrics';

export const WORKSPACE_BLOB = 'workspace.tar';
export const SCHEDULER_ACTOR = 'system:backup-scheduler';

export interface BackupServiceOptions {
  records: DatabaseBackupRecords;
  store: BackupStore;
  sandboxes: SandboxService;
  driver: SandboxDriver;
  clock: Clock;
  logger: LoggerService;
  metrics?: BackupMetrics;
  /** An in-progress backup older than this is taken for one whose process died (default 6 h). */
  staleAfterMs?: number;
  /** How long a restore into a new sandbox waits for it to run (default 5 min). */
  provisionTimeoutMs?: number;
  /** Test hooks: runs between the verified blobs and the manifest (a crash lands here). */
  faults?: { afterBlobs?: (backupId: string) => Promise<void> };
}

export type RestoreTarget = { target: 'new'; name: string } | { target: 'in-place' };

export interface RetentionReport {
  deleted: string[];
  interrupted: string[];
  orphansRemoved: string[];
  /** Complete backups (valid manifest) found in the store without a database row, registered again. */
  adopted: string[];
}

/**
 * Backups of a sandbox's /workspace: exported by the driver, stored as one blob through the
 * BackupStore, verified (re-read and hashed), and only then described by a manifest written
 * atomically. The database row turns `complete` after the manifest; a crash before leaves an
 * `in_progress` row and an orphan directory that {@link BackupService.cleanup} removes.
 */
export class BackupService {
  constructor(private readonly options: BackupServiceOptions) {}

  private get driver() {
    const { driver } = this.options;
    if (!driver.exportWorkspace || !driver.importWorkspace) {
      throw new InputError(`The '${driver.name}' sandbox driver does not support backups`);
    }
    return driver as Required<Pick<SandboxDriver, 'exportWorkspace' | 'importWorkspace'>> & SandboxDriver;
  }

  async create(sandboxId: string, actor: string, trigger: BackupTrigger = 'manual'): Promise<Backup> {
    const { records, store, sandboxes, clock, logger, metrics } = this.options;
    const driver = this.driver;
    const sandbox = await sandboxes.getRecord(sandboxId);
    if (!sandbox.externalId || !['running', 'stopped'].includes(sandbox.state)) {
      throw new ConflictError(
        `Sandbox '${sandbox.name}' is ${sandbox.state}; only running or stopped sandboxes can be backed up`,
      );
    }
    const createdAt = clock.now();
    const id = `bk-${createdAt.toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${randomBytes(4).toString('hex')}`;
    await records.insert({ id, sandboxId, sandboxName: sandbox.name, workspace: sandbox.workspace, trigger, createdAt, createdBy: actor });
    const started = Date.now();
    const endTimer = metrics?.duration.startTimer({ operation: 'backup' });
    try {
      const written = await store.putBlob(id, WORKSPACE_BLOB, await driver.exportWorkspace(sandbox.externalId));
      const reread = await store.hashBlob(id, WORKSPACE_BLOB);
      if (reread.sha256 !== written.sha256 || reread.sizeBytes !== written.sizeBytes) {
        throw new Error(`blob '${WORKSPACE_BLOB}' of backup '${id}' reads back differently than it was written`);
      }
      await this.options.faults?.afterBlobs?.(id);
      const completedAt = clock.now();
      const manifest: BackupManifest = {
        formatVersion: 1,
        backupId: id,
        sandboxId,
        sandboxName: sandbox.name,
        workspace: sandbox.workspace,
        source: { template: sandbox.template, image: sandbox.image, size: sandbox.size.name, network: sandbox.network },
        driver: driver.name,
        trigger,
        createdAt: createdAt.toISOString(),
        completedAt: completedAt.toISOString(),
        createdBy: actor,
        state: 'complete',
        sizeBytes: written.sizeBytes,
        blobs: [written],
      };
      await store.putManifest(manifest);
      const check = await store.getManifest(id);
      if (check?.blobs[0]?.sha256 !== written.sha256) {
        throw new Error(`manifest of backup '${id}' reads back differently than it was written`);
      }
      const durationMs = Date.now() - started;
      await records.finish(id, { state: 'complete', sizeBytes: written.sizeBytes, sha256: written.sha256, completedAt, durationMs });
      endTimer?.({ outcome: 'success' });
      metrics?.size.observe({ workspace: sandbox.workspace }, written.sizeBytes);
      metrics?.operations.inc({ operation: 'backup', trigger, outcome: 'success' });
      metrics?.lastSuccess.set({ workspace: sandbox.workspace }, completedAt.getTime() / 1000);
      logger.info(`backup ${id} of sandbox ${sandbox.name} (${sandboxId}): ${written.sizeBytes} bytes in ${durationMs} ms`);
      return (await records.get(id))!;
    } catch (e) {
      endTimer?.({ outcome: 'failure' });
      metrics?.operations.inc({ operation: 'backup', trigger, outcome: 'failure' });
      const message = (e as Error).message;
      logger.warn(`backup ${id} of sandbox ${sandboxId} failed: ${message}`);
      await records.finish(id, { state: 'failed', completedAt: clock.now(), durationMs: Date.now() - started, error: message });
      await store.delete(id).catch(err => logger.warn(`backup ${id}: removing partial blobs failed: ${err}`));
      throw e;
    }
  }

  async get(backupId: string): Promise<Backup> {
    const backup = await this.options.records.get(backupId);
    if (!backup) throw new NotFoundError(`No backup with id '${backupId}'`);
    return backup;
  }

  /** Backups of a sandbox, newest first (in progress and failed ones included, with their state). */
  list(sandboxId: string): Promise<Backup[]> {
    return this.options.records.list({ sandboxId });
  }

  /** Checks every blob against the manifest; throws ConflictError naming backup and blob. */
  async verify(backupId: string): Promise<BackupManifest> {
    const backup = await this.get(backupId);
    if (backup.state !== 'complete') {
      throw new ConflictError(`Backup '${backupId}' is ${backup.state}; only complete backups can be restored`);
    }
    const manifest = await this.options.store.getManifest(backupId);
    if (!manifest) {
      throw new ConflictError(`Backup '${backupId}' has no readable manifest in the backup store; it cannot be restored`);
    }
    for (const blob of manifest.blobs) {
      let actual: BackupBlob;
      try {
        actual = await this.options.store.hashBlob(backupId, blob.name);
      } catch (e) {
        throw new ConflictError(`Backup '${backupId}' is damaged: blob '${blob.name}' cannot be read (${(e as Error).message})`);
      }
      if (actual.sha256 !== blob.sha256 || actual.sizeBytes !== blob.sizeBytes) {
        throw new ConflictError(
          `Backup '${backupId}' is corrupt: blob '${blob.name}' has sha256 ${actual.sha256} (${actual.sizeBytes} bytes) ` +
            `but the manifest says ${blob.sha256} (${blob.sizeBytes} bytes); nothing was restored`,
        );
      }
    }
    return manifest;
  }

  /** Restores into a new sandbox (created through the SandboxService), or in place into a stopped one. */
  async restore(backupId: string, target: RestoreTarget, actor: string): Promise<Sandbox> {
    const { sandboxes, store, metrics, logger } = this.options;
    const driver = this.driver;
    const endTimer = metrics?.duration.startTimer({ operation: 'restore' });
    try {
      const manifest = await this.verify(backupId);
      let sandbox: Sandbox;
      if (target.target === 'in-place') {
        const record = await sandboxes.getRecord(manifest.sandboxId);
        if (record.state !== 'stopped' || !record.externalId) {
          throw new ConflictError(
            `Sandbox '${record.name}' is ${record.state}; restore in place needs a stopped sandbox (stop it first)`,
          );
        }
        await driver.importWorkspace(record.externalId, await store.getBlob(backupId, WORKSPACE_BLOB));
        sandbox = sandboxes.toApi(record);
      } else {
        const created = await sandboxes.create(
          {
            name: target.name,
            workspace: manifest.workspace,
            template: manifest.source.template,
            image: manifest.source.image,
            size: manifest.source.size,
            env: {},
            network: manifest.source.network,
            ttlSeconds: null,
            idleTimeoutSeconds: null,
            labels: { 'portal.sandbox/restored-from': backupId },
          },
          actor,
        );
        const ready = await sandboxes.waitFor(created.id, ['running', 'failed'], this.options.provisionTimeoutMs ?? 5 * 60_000);
        if (ready.state !== 'running' || !ready.externalId) {
          throw new ConflictError(`Sandbox '${target.name}' for the restore of '${backupId}' failed: ${ready.reason ?? ready.state}`);
        }
        try {
          await driver.importWorkspace(ready.externalId, await store.getBlob(backupId, WORKSPACE_BLOB));
        } catch (e) {
          await sandboxes.delete(created.id).catch(err => logger.warn(`restore ${backupId}: removing ${created.id} failed: ${err}`));
          throw e;
        }
        sandbox = ready;
      }
      endTimer?.({ outcome: 'success' });
      metrics?.operations.inc({ operation: 'restore', trigger: 'manual', outcome: 'success' });
      logger.info(`backup ${backupId} restored into sandbox ${sandbox.name} (${sandbox.id}, ${target.target})`);
      return sandbox;
    } catch (e) {
      endTimer?.({ outcome: 'failure' });
      metrics?.operations.inc({ operation: 'restore', trigger: 'manual', outcome: 'failure' });
      throw e;
    }
  }

  async delete(backupId: string): Promise<void> {
    const backup = await this.get(backupId);
    if (backup.state === 'in_progress') {
      throw new ConflictError(`Backup '${backupId}' is still in progress`);
    }
    await this.options.store.delete(backupId);
    await this.options.records.delete(backupId);
    this.options.metrics?.operations.inc({ operation: 'delete', trigger: 'manual', outcome: 'success' });
  }

  async setSchedule(
    workspace: string,
    request: { cron?: string; intervalHours?: number; retentionCount: number; retentionDays: number | null },
    actor: string,
  ): Promise<BackupSchedule> {
    if (request.cron) {
      try {
        CronExpression.parse(request.cron);
      } catch (e) {
        throw new InputError(`cron: ${(e as Error).message}`);
      }
    }
    return this.options.records.putSchedule({
      workspace,
      cron: request.cron ?? null,
      intervalHours: request.intervalHours ?? null,
      retentionCount: request.retentionCount,
      retentionDays: request.retentionDays,
      updatedAt: this.options.clock.now(),
      updatedBy: actor,
    });
  }

  /**
   * Turns a workspace's schedule off. Its scheduled backups stay (retention no longer applies to
   * them: delete them one by one, or set a schedule again).
   */
  async deleteSchedule(workspace: string): Promise<void> {
    if (!(await this.options.records.deleteSchedule(workspace))) {
      throw new NotFoundError(`Workspace '${workspace}' has no backup schedule`);
    }
  }

  getSchedule(workspace: string): Promise<BackupSchedule | undefined> {
    return this.options.records.getSchedule(workspace);
  }

  /** Whether a schedule is due now (interval since the last run, or a cron minute since then). */
  isDue(schedule: BackupSchedule, now: Date): boolean {
    const last = new Date(schedule.lastRunAt ?? 0);
    if (schedule.intervalHours) return now.getTime() - last.getTime() >= schedule.intervalHours * 3_600_000;
    if (!schedule.cron) return false;
    const after = schedule.lastRunAt ? last : new Date(now.getTime() - 60_000);
    return CronExpression.parse(schedule.cron).firesBetween(after, now);
  }

  /**
   * The scheduled task: backs up every running or stopped sandbox of each due workspace, then
   * applies retention and removes orphans. Each schedule run is claimed by compare-and-set on its
   * last run time, so two replicas never run it twice.
   */
  async runScheduled(): Promise<{ backedUp: string[]; failed: string[]; retention: RetentionReport }> {
    const { records, clock, logger } = this.options;
    const backedUp: string[] = [];
    const failed: string[] = [];
    for (const schedule of await records.listSchedules()) {
      const now = clock.now();
      if (!this.isDue(schedule, now)) continue;
      if (!(await records.claimRun(schedule.workspace, schedule.lastRunAt, now))) continue;
      for (const sandbox of await this.sandboxesOf(schedule.workspace)) {
        try {
          backedUp.push((await this.create(sandbox.id, SCHEDULER_ACTOR, 'schedule')).id);
        } catch (e) {
          failed.push(sandbox.id);
          logger.warn(`scheduled backup of ${sandbox.name} (${sandbox.id}) failed: ${(e as Error).message}`);
        }
      }
    }
    return { backedUp, failed, retention: await this.cleanup() };
  }

  /**
   * Retention: per sandbox, only the `retentionCount` newest complete scheduled backups younger
   * than `retentionDays` stay (manual backups stay until deleted). Also fails backups interrupted
   * by a crash and removes stored data no complete backup owns (orphans).
   */
  async cleanup(): Promise<RetentionReport> {
    const { records, store, clock, metrics } = this.options;
    const now = clock.now();
    const deleted: string[] = [];
    for (const schedule of await records.listSchedules()) {
      const scheduled = await records.list({ workspace: schedule.workspace, state: 'complete', trigger: 'schedule' });
      const bySandbox = new Map<string, Backup[]>();
      for (const b of scheduled) bySandbox.set(b.sandboxId, [...(bySandbox.get(b.sandboxId) ?? []), b]);
      const maxAgeMs = schedule.retentionDays ? schedule.retentionDays * 86_400_000 : Infinity;
      for (const backups of bySandbox.values()) {
        for (const [i, b] of backups.entries()) {
          if (i >= schedule.retentionCount || now.getTime() - Date.parse(b.createdAt) > maxAgeMs) {
            await store.delete(b.id);
            await records.delete(b.id);
            deleted.push(b.id);
          }
        }
      }
    }
    const interrupted = await records.failStale(new Date(now.getTime() - (this.options.staleAfterMs ?? 6 * 3_600_000)), now);
    const known = new Map((await records.list({})).map(b => [b.id, b]));
    const orphansRemoved: string[] = [];
    const adopted: string[] = [];
    for (const { id } of await store.listIds()) {
      const row = known.get(id);
      if (row && row.state !== 'failed') continue;
      const manifest = row ? undefined : await store.getManifest(id);
      if (manifest) {
        // a complete backup the database does not know (the database was restored from an
        // older dump): registered again rather than deleted
        await records.insert({ id, sandboxId: manifest.sandboxId, sandboxName: manifest.sandboxName, workspace: manifest.workspace, trigger: manifest.trigger, createdAt: new Date(manifest.createdAt), createdBy: manifest.createdBy });
        await records.finish(id, { state: 'complete', sizeBytes: manifest.sizeBytes, sha256: manifest.blobs[0]?.sha256, completedAt: new Date(manifest.completedAt), durationMs: 0 });
        adopted.push(id);
        continue;
      }
      await store.delete(id);
      orphansRemoved.push(id);
    }
    metrics?.operations.inc({ operation: 'retention', trigger: 'schedule', outcome: 'success' }, deleted.length);
    return { deleted, interrupted, orphansRemoved, adopted };
  }

  /**
   * Backup freshness per sandbox that a schedule covers (running or stopped, in a workspace with a
   * schedule): its newest complete backup, or the sandbox's creation or the schedule's last change
   * when later (a new sandbox or schedule is not overdue yet). The stale-backup alert reads it.
   */
  async freshness(): Promise<Array<{ workspace: string; sandbox: string; at: Date }>> {
    const schedules = await this.options.records.listSchedules();
    const newest = await this.options.records.newestCompleteBySandbox(schedules.map(s => s.workspace));
    const rows: Array<{ workspace: string; sandbox: string; at: Date }> = [];
    for (const schedule of schedules) {
      for (const sandbox of await this.sandboxesOf(schedule.workspace)) {
        const candidates = [newest.get(sandbox.id), new Date(sandbox.createdAt), new Date(schedule.updatedAt)];
        const at = new Date(Math.max(...candidates.filter((d): d is Date => d !== undefined).map(d => d.getTime())));
        rows.push({ workspace: schedule.workspace, sandbox: sandbox.name, at });
      }
    }
    return rows;
  }

  private async sandboxesOf(workspace: string) {
    const items = [];
    let cursor: string | undefined;
    do {
      const page = await this.options.sandboxes.list({ workspace, states: ['running', 'stopped'], limit: 200, cursor });
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }
}
