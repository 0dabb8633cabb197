import { HttpAuthService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  backupScheduleRequestSchema,
  formatZodError,
  restoreBackupRequestSchema,
  sandboxBackupCreatePermission,
  sandboxBackupDeletePermission,
  sandboxBackupReadPermission,
  sandboxBackupRestorePermission,
  sandboxCreatePermission,
  workspaceManagePermission,
  workspaceReadPermission,
} from '@internal/plugin-sandbox-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { actorOf, AuditLog } from '../service/AuditLog';
import { auditedRequests } from '../service/requests';
import { requireUser, SandboxAuthorizer } from '../service/authorize';
import { SandboxService } from '../service/SandboxService';
import { BackupService } from './BackupService';

export interface BackupRouterOptions {
  httpAuth: HttpAuthService;
  authorizer: SandboxAuthorizer;
  audit: AuditLog;
  service: SandboxService;
  backups: BackupService;
}

function parse<T extends z.ZodTypeAny>(schema: T, value: unknown, where: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InputError(`Invalid ${where}: ${formatZodError(parsed.error)}`);
  return parsed.data;
}

/**
 * Backup and restore routes, mounted next to the main router under /api/sandbox. Every mutation is
 * authorised through the SandboxAuthorizer and written to the audit log (one entry per request).
 */
export function createBackupRouter(options: BackupRouterOptions): express.Router {
  const { httpAuth, authorizer, audit, service, backups } = options;
  const router = Router();
  router.use(express.json({ limit: '64kb' }));

  const { credentialsOf, mutate } = auditedRequests(httpAuth, audit);
  const workspaceOf = (sandboxId: string) => service.getRecord(sandboxId).then(r => r.workspace, () => undefined);
  const backupOf = (backupId: string) => backups.get(backupId).catch(() => undefined);

  router.post('/sandboxes/:id/backups', async (req, res) => {
    const id = req.params.id;
    const backup = await mutate(
      req,
      { action: 'sandbox.backup.create', targetType: 'sandbox', targetId: id, workspace: await workspaceOf(id) },
      async credentials => {
        parse(z.object({}).strict(), req.body ?? {}, 'backup request');
        await authorizer.authorize(credentials, sandboxBackupCreatePermission, id);
        return backups.create(id, actorOf(credentials));
      },
      b => ({ message: `backup ${b.id} (${b.sizeBytes} bytes)` }),
    );
    res.status(201).json(backup);
  });

  router.get('/sandboxes/:id/backups', async (req, res) => {
    await authorizer.authorize(await credentialsOf(req), sandboxBackupReadPermission, req.params.id);
    res.json({ items: await backups.list(req.params.id) });
  });

  router.get('/backups/:backupId', async (req, res) => {
    const credentials = await credentialsOf(req);
    const backup = await backups.get(req.params.backupId);
    await authorizer.authorize(credentials, sandboxBackupReadPermission, backup.sandboxId);
    res.json(backup);
  });

  router.post('/backups/:backupId/restore', async (req, res) => {
    const backupId = req.params.backupId;
    const known = await backupOf(backupId);
    const sandbox = await mutate(
      req,
      { action: 'sandbox.backup.restore', targetType: 'sandbox', targetId: known?.sandboxId ?? backupId, workspace: known?.workspace },
      async credentials => {
        const body = parse(restoreBackupRequestSchema, req.body, 'restore request');
        const backup = await backups.get(backupId);
        await authorizer.authorize(credentials, sandboxBackupRestorePermission, backup.sandboxId);
        if (body.target === 'new') {
          await authorizer.authorize(credentials, sandboxCreatePermission, backup.workspace);
          return backups.restore(backupId, body, requireUser(credentials));
        }
        return backups.restore(backupId, body, actorOf(credentials));
      },
      s => ({ message: `backup ${backupId} restored into ${s.id}` }),
    );
    res.status(201).json(sandbox);
  });

  router.delete('/backups/:backupId', async (req, res) => {
    const backupId = req.params.backupId;
    const known = await backupOf(backupId);
    await mutate(
      req,
      { action: 'sandbox.backup.delete', targetType: 'sandbox', targetId: known?.sandboxId ?? backupId, workspace: known?.workspace },
      async credentials => {
        const backup = await backups.get(backupId);
        await authorizer.authorize(credentials, sandboxBackupDeletePermission, backup.sandboxId);
        await backups.delete(backupId);
      },
      () => ({ message: `backup ${backupId} deleted` }),
    );
    res.status(204).end();
  });

  router.get('/workspaces/:name/backup-schedule', async (req, res) => {
    await authorizer.authorize(await credentialsOf(req), workspaceReadPermission, req.params.name);
    const schedule = await backups.getSchedule(req.params.name);
    res.json(schedule ?? null);
  });

  router.put('/workspaces/:name/backup-schedule', async (req, res) => {
    const name = req.params.name;
    const schedule = await mutate(
      req,
      { action: 'workspace.backup-schedule.set', targetType: 'workspace', targetId: name, workspace: name },
      async credentials => {
        const body = parse(backupScheduleRequestSchema, req.body, 'backup schedule');
        await authorizer.authorize(credentials, workspaceManagePermission, name);
        return backups.setSchedule(name, body, actorOf(credentials));
      },
    );
    res.json(schedule);
  });

  router.delete('/workspaces/:name/backup-schedule', async (req, res) => {
    const name = req.params.name;
    await mutate(
      req,
      { action: 'workspace.backup-schedule.delete', targetType: 'workspace', targetId: name, workspace: name },
      async credentials => {
        await authorizer.authorize(credentials, workspaceManagePermission, name);
        await backups.deleteSchedule(name);
      },
      () => ({ message: 'backup schedule turned off' }),
    );
    res.status(204).end();
  });

  return router;
}
