import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { mockServices } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import express from 'express';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { permissionResourceLoaders } from '../permissions/register';
import { SandboxAuthorizer } from '../service/authorize';
import { WORKSPACE_BLOB } from './BackupService';
import { createBackupRouter } from './router';
import { createBackupTask } from './task';
import { createBackupHarness } from './__testUtils__/backupHarness';

async function setup(options: { deny?: string[] } = {}) {
  const h = await createBackupHarness();
  const decide = (name: string) => ({ result: options.deny?.includes(name) ? AuthorizeResult.DENY : AuthorizeResult.ALLOW });
  const permissions = mockServices.permissions.mock({
    authorize: async requests => requests.map(r => decide(r.permission.name)),
    authorizeConditional: async requests => requests.map(r => decide(r.permission.name)) as any,
  });
  const app = express();
  app.use(
    createBackupRouter({
      httpAuth: mockServices.httpAuth(),
      authorizer: new SandboxAuthorizer({ permissions, ...permissionResourceLoaders({ sandboxes: h.store, workspaces: h.workspaceStore }) }),
      audit: h.audit,
      service: h.service,
      backups: h.backups,
    }),
  );
  app.use(MiddlewareFactory.create({ config: mockServices.rootConfig(), logger: h.logger }).error({ showStackTraces: false }));
  const sandbox = await h.service.create({ name: 'box', workspace: 'team-a', template: 'python', size: 'small', env: {}, network: false, ttlSeconds: null, idleTimeoutSeconds: null, labels: {} }, 'user:default/mock');
  await h.service.idle();
  const record = await h.service.getRecord(sandbox.id);
  h.driver.instances.get(record.externalId!)!.files.set('/workspace/a.txt', 'A');
  return { app, ...h, permissions, id: sandbox.id };
}

const audit = async (h: Awaited<ReturnType<typeof setup>>) =>
  (await h.workspaceStore.listAudit({ limit: 50 } as any)).items.map((e: any) => `${e.action}:${e.outcome}`);

describe('backup REST API', () => {
  it('creates, lists, reads, restores and deletes backups, auditing each mutation', async () => {
    const h = await setup();
    const created = await request(h.app).post(`/sandboxes/${h.id}/backups`).send({}).expect(201);
    expect(created.body).toMatchObject({ state: 'complete', sandboxId: h.id, createdBy: 'user:default/mock' });
    const backupId = created.body.id;
    expect((await request(h.app).get(`/sandboxes/${h.id}/backups`).expect(200)).body.items.map((b: any) => b.id)).toEqual([backupId]);
    expect((await request(h.app).get(`/backups/${backupId}`).expect(200)).body.sha256).toMatch(/^[0-9a-f]{64}$/);

    const restored = await request(h.app).post(`/backups/${backupId}/restore`).send({ target: 'new', name: 'copy' }).expect(201);
    expect(restored.body).toMatchObject({ name: 'copy', state: 'running', workspace: 'team-a' });
    expect(h.driver.instances.get(restored.body.externalId)!.files.get('/workspace/a.txt')).toBe('A');
    await request(h.app).post(`/backups/${backupId}/restore`).send({ target: 'in-place' }).expect(409);

    await request(h.app).delete(`/backups/${backupId}`).expect(204);
    await request(h.app).get(`/backups/${backupId}`).expect(404);
    expect(await audit(h)).toEqual(expect.arrayContaining([
      'sandbox.backup.create:success',
      'sandbox.backup.restore:success',
      'sandbox.backup.restore:failure',
      'sandbox.backup.delete:success',
    ]));
  });

  it('answers a corrupted blob with 409 naming backup and blob', async () => {
    const h = await setup();
    const { body: backup } = await request(h.app).post(`/sandboxes/${h.id}/backups`).expect(201);
    const blob = path.join(h.directory, backup.id, WORKSPACE_BLOB);
    await writeFile(blob, `${await readFile(blob, 'utf8')} `);
    const res = await request(h.app).post(`/backups/${backup.id}/restore`).send({ target: 'new', name: 'copy' }).expect(409);
    expect(res.body.error.message).toContain(`Backup '${backup.id}' is corrupt: blob 'workspace.tar'`);
  });

  it.each([
    [{ target: 'new' }, 'name'],
    [{ target: 'elsewhere' }, 'target'],
    [{ target: 'in-place', name: 'x' }, 'name'],
  ])('rejects restore body %j with a 400', async (body, message) => {
    const h = await setup();
    const { body: backup } = await request(h.app).post(`/sandboxes/${h.id}/backups`).expect(201);
    const res = await request(h.app).post(`/backups/${backup.id}/restore`).send(body).expect(400);
    expect(res.body.error.message).toContain(message);
  });

  it('sets and reads the workspace schedule, validating it', async () => {
    const h = await setup();
    expect((await request(h.app).get('/workspaces/team-a/backup-schedule').expect(200)).body).toBeNull();
    const put = await request(h.app).put('/workspaces/team-a/backup-schedule').send({ cron: '0 3 * * *', retentionCount: 3, retentionDays: 14 }).expect(200);
    expect(put.body).toMatchObject({ workspace: 'team-a', cron: '0 3 * * *', intervalHours: null, retentionCount: 3, retentionDays: 14 });
    expect((await request(h.app).get('/workspaces/team-a/backup-schedule').expect(200)).body.cron).toBe('0 3 * * *');
    await request(h.app).put('/workspaces/team-a/backup-schedule').send({ retentionCount: 3 }).expect(400);
    await request(h.app).put('/workspaces/team-a/backup-schedule').send({ cron: '0 3 * * *', intervalHours: 2 }).expect(400);
    await request(h.app).put('/workspaces/team-a/backup-schedule').send({ cron: 'every day' }).expect(400);
    await request(h.app).put('/workspaces/team-a/backup-schedule').send({ intervalHours: 1, retentionCount: 1, extra: 1 }).expect(400);
    await request(h.app).post(`/sandboxes/${h.id}/backups`).send({ what: 1 }).expect(400);

    const task = createBackupTask({ backups: h.backups, logger: h.logger });
    await request(h.app).put('/workspaces/team-a/backup-schedule').send({ intervalHours: 1, retentionCount: 1 }).expect(200);
    expect((await task()).backedUp).toHaveLength(1);
    expect(h.logger.info).toHaveBeenCalledWith(expect.stringContaining('scheduled backups: 1 made, 0 failed'));
  });

  it('turns a schedule off with DELETE (audited), keeping the backups it made', async () => {
    const h = await setup();
    await request(h.app).put('/workspaces/team-a/backup-schedule').send({ intervalHours: 1, retentionCount: 1 }).expect(200);
    const task = createBackupTask({ backups: h.backups, logger: h.logger });
    const [made] = (await task()).backedUp;
    await request(h.app).delete('/workspaces/team-a/backup-schedule').expect(204);
    expect((await request(h.app).get('/workspaces/team-a/backup-schedule').expect(200)).body).toBeNull();
    h.clock.advance(2 * 3_600_000);
    expect((await task()).backedUp).toEqual([]);
    expect((await h.backups.get(made)).state).toBe('complete');
    const res = await request(h.app).delete('/workspaces/team-a/backup-schedule').expect(404);
    expect(res.body.error.message).toBe("Workspace 'team-a' has no backup schedule");
    const entries = (await h.workspaceStore.listAudit({ limit: 50 } as any)).items.filter((e: any) => e.action === 'workspace.backup-schedule.delete');
    expect(entries.map((e: any) => [e.outcome, e.targetType, e.targetId])).toEqual(
      expect.arrayContaining([['success', 'workspace', 'team-a'], ['failure', 'workspace', 'team-a']]),
    );
  });

  it('denies what the policy denies, changing nothing', async () => {
    const h = await setup({ deny: ['sandbox.backup.create', 'sandbox.backup.read', 'sandbox.backup.restore', 'sandbox.backup.delete', 'sandbox.workspace.manage'] });
    const res = await request(h.app).post(`/sandboxes/${h.id}/backups`).expect(403);
    expect(res.body.error.message).toBe(`Not allowed: sandbox.backup.create on sandbox '${h.id}'`);
    expect(await h.records.list({})).toEqual([]);
    await request(h.app).get(`/sandboxes/${h.id}/backups`).expect(403);
    const backup = await h.backups.create(h.id, 'user:default/ada');
    await request(h.app).get(`/backups/${backup.id}`).expect(403);
    await request(h.app).post(`/backups/${backup.id}/restore`).send({ target: 'new', name: 'copy' }).expect(403);
    await request(h.app).delete(`/backups/${backup.id}`).expect(403);
    await request(h.app).put('/workspaces/team-a/backup-schedule').send({ intervalHours: 1, retentionCount: 1 }).expect(403);
    await h.backups.setSchedule('team-a', { intervalHours: 1, retentionCount: 1, retentionDays: null }, 'user:default/ada');
    await request(h.app).delete('/workspaces/team-a/backup-schedule').expect(403);
    expect(await h.backups.getSchedule('team-a')).toMatchObject({ intervalHours: 1 });
    expect(await audit(h)).toEqual(
      expect.arrayContaining(['sandbox.backup.create:denied', 'sandbox.backup.delete:denied', 'workspace.backup-schedule.delete:denied']),
    );
    expect((await h.records.list({})).length).toBe(1);
  });

  it('evaluates conditional decisions (workspace role) against the backup\'s sandbox', async () => {
    const h = await setup();
    const backup = await h.backups.create(h.id, 'user:default/ada');
    const onlyIn = (group: string) => async () => [
      {
        result: AuthorizeResult.CONDITIONAL,
        pluginId: 'sandbox',
        resourceType: 'sandbox',
        conditions: { rule: 'HAS_WORKSPACE_ROLE', resourceType: 'sandbox', params: { claims: [group], roles: ['member'] } },
      } as any,
    ];
    h.permissions.authorizeConditional.mockImplementation(onlyIn('group:default/team-b'));
    await request(h.app).get(`/backups/${backup.id}`).expect(403);
    await request(h.app).post(`/backups/${backup.id}/restore`).send({ target: 'in-place' }).expect(403);
    h.permissions.authorizeConditional.mockImplementation(onlyIn('group:default/team-a'));
    await request(h.app).get(`/backups/${backup.id}`).expect(200);
    const list = await request(h.app).get(`/sandboxes/${h.id}/backups`).expect(200);
    expect(list.body.items.map((b: { id: string }) => b.id)).toEqual([backup.id]);
  });
});
