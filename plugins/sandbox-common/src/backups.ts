import { createPermission } from '@backstage/plugin-permission-common';
import { z } from 'zod';
import { RESOURCE_TYPE_SANDBOX } from './permissions';
import { sandboxNameSchema } from './schemas';

/** Backups of a sandbox's /workspace volume; resourceRef of the permissions = sandbox id. */
export const sandboxBackupCreatePermission = createPermission({
  name: 'sandbox.backup.create',
  attributes: { action: 'create' },
  resourceType: RESOURCE_TYPE_SANDBOX,
});
export const sandboxBackupReadPermission = createPermission({
  name: 'sandbox.backup.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_SANDBOX,
});
export const sandboxBackupRestorePermission = createPermission({
  name: 'sandbox.backup.restore',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_SANDBOX,
});
export const sandboxBackupDeletePermission = createPermission({
  name: 'sandbox.backup.delete',
  attributes: { action: 'delete' },
  resourceType: RESOURCE_TYPE_SANDBOX,
});
export const sandboxBackupPermissions = [
  sandboxBackupCreatePermission,
  sandboxBackupReadPermission,
  sandboxBackupRestorePermission,
  sandboxBackupDeletePermission,
];

/** `in_progress` until the manifest is written and verified; only `complete` backups restore. */
export const BACKUP_STATES = ['in_progress', 'complete', 'failed'] as const;
export type BackupState = (typeof BACKUP_STATES)[number];
export type BackupTrigger = 'manual' | 'schedule';

/** One stored blob of a backup (today: `workspace.tar`, the /workspace volume). */
export interface BackupBlob {
  name: string;
  sizeBytes: number;
  sha256: string;
}

/** What the manifest says; written last and atomically, after every blob is verified. */
export interface BackupManifest {
  formatVersion: 1;
  backupId: string;
  sandboxId: string;
  sandboxName: string;
  workspace: string;
  /** What a restore into a new sandbox is created from. */
  source: { template: string; image: string; size: string; network: boolean };
  driver: string;
  trigger: BackupTrigger;
  createdAt: string;
  completedAt: string;
  createdBy: string;
  state: 'complete';
  sizeBytes: number;
  blobs: BackupBlob[];
}

/** A backup as the API shows it. */
export interface Backup {
  id: string;
  sandboxId: string;
  sandboxName: string;
  workspace: string;
  state: BackupState;
  trigger: BackupTrigger;
  sizeBytes: number | null;
  sha256: string | null;
  createdAt: string;
  createdBy: string;
  completedAt?: string;
  durationMs?: number;
  error?: string;
}

export interface BackupSchedule {
  workspace: string;
  cron: string | null;
  intervalHours: number | null;
  retentionCount: number;
  retentionDays: number | null;
  lastRunAt?: string;
  updatedAt: string;
  updatedBy: string;
}

export const restoreBackupRequestSchema = z.discriminatedUnion('target', [
  z.object({ target: z.literal('new'), name: sandboxNameSchema }).strict(),
  z.object({ target: z.literal('in-place') }).strict(),
]);
export type RestoreBackupRequest = z.input<typeof restoreBackupRequestSchema>;

/** Five-field cron (minute hour day-of-month month day-of-week): numbers, `*`, lists, ranges, steps. */
const cronField = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/;
export const cronSchema = z
  .string()
  .max(100)
  .refine(s => {
    const f = s.trim().split(/\s+/);
    return f.length === 5 && f.every(x => cronField.test(x));
  }, { message: 'must be a five-field cron expression, e.g. "0 3 * * *"' });

export const backupScheduleRequestSchema = z
  .object({
    cron: cronSchema.optional(),
    intervalHours: z.number().int().min(1).max(24 * 30).optional(),
    retentionCount: z.number().int().min(1).max(1000).default(7),
    retentionDays: z.number().int().min(1).max(3650).nullable().default(null),
  })
  .strict()
  .refine(v => (v.cron === undefined) !== (v.intervalHours === undefined), {
    message: 'give exactly one of cron or intervalHours',
  });
export type BackupScheduleRequest = z.input<typeof backupScheduleRequestSchema>;
