import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import express from 'express';
import request from 'supertest';
import { createHarness } from '../__testUtils__/harness';
import { permissionResourceLoaders } from '../permissions/register';
import { SandboxAuthorizer } from '../service/authorize';
import { registerApiKeys } from '.';

async function setup(options: { deny?: string[] } = {}) {
  const h = await createHarness();
  const decide = (name: string) => ({ result: options.deny?.includes(name) ? AuthorizeResult.DENY : AuthorizeResult.ALLOW });
  const permissions = mockServices.permissions.mock({
    authorize: async requests => requests.map(r => decide(r.permission.name)),
    authorizeConditional: async requests => requests.map(r => decide(r.permission.name)) as any,
  });
  const app = express();
  const routers: express.Router[] = [];
  const apiKeys = registerApiKeys({
    knex: h.knex,
    clock: h.clock,
    httpRouter: { use: (r: any) => routers.push(r), addAuthPolicy: () => {}, addWebSocketHandler: () => {} } as any,
    httpAuth: mockServices.httpAuth(),
    authorizer: new SandboxAuthorizer({ permissions, ...permissionResourceLoaders({ sandboxes: h.store, workspaces: h.workspaceStore }) }),
    audit: h.audit,
    workspaces: h.workspaces,
  });
  app.use(...routers);
  app.use(MiddlewareFactory.create({ config: mockServices.rootConfig(), logger: h.logger }).error({ showStackTraces: false }));
  return { ...h, app, apiKeys };
}

const auditOf = async (h: Awaited<ReturnType<typeof setup>>) =>
  (await h.workspaceStore.listAudit({ limit: 50 } as any)).items.map((e: any) => `${e.action}:${e.targetType}:${e.outcome}`);

describe('workspace API key routes', () => {
  it('creates (key shown once), lists and revokes keys, auditing create and revoke', async () => {
    const h = await setup();
    const created = await request(h.app).post('/workspaces/team-a/api-keys').send({ name: 'openhands server' }).expect(201);
    expect(created.body.key).toMatch(/^psk_/);
    expect(created.body.item).toMatchObject({ name: 'openhands server', workspace: 'team-a', createdBy: 'user:default/mock', prefix: created.body.key.slice(0, 12) });
    const list = await request(h.app).get('/workspaces/team-a/api-keys').expect(200);
    expect(list.body.items).toEqual([created.body.item]);
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);
    await expect(h.apiKeys.verify(created.body.key)).resolves.toMatchObject({ workspace: 'team-a' });

    const revoked = await request(h.app).delete(`/workspaces/team-a/api-keys/${created.body.item.id}`).expect(200);
    expect(revoked.body.revokedBy).toBe('user:default/mock');
    await expect(h.apiKeys.verify(created.body.key)).rejects.toMatchObject({ name: 'AuthenticationError' });
    await request(h.app).delete(`/workspaces/team-a/api-keys/${created.body.item.id}`).expect(409);
    expect(await auditOf(h)).toEqual([
      'workspace.api-key.revoke:api-key:failure',
      'workspace.api-key.revoke:api-key:success',
      'workspace.api-key.create:api-key:success',
    ]);
  });

  it('answers 400 naming the field, 404 for an unknown workspace or key, and creates nothing', async () => {
    const h = await setup();
    const bad = await request(h.app).post('/workspaces/team-a/api-keys').send({ name: '' }).expect(400);
    expect(bad.body.error.message).toContain('name');
    const extra = await request(h.app).post('/workspaces/team-a/api-keys').send({ name: 'x', scope: 'all' }).expect(400);
    expect(extra.body.error.message).toContain('scope');
    const expiry = await request(h.app).post('/workspaces/team-a/api-keys').send({ name: 'x', expiresAt: 'tomorrow' }).expect(400);
    expect(expiry.body.error.message).toContain('expiresAt');
    await request(h.app).post('/workspaces/nope/api-keys').send({ name: 'x' }).expect(404);
    await request(h.app).get('/workspaces/nope/api-keys').expect(404);
    await request(h.app).delete('/workspaces/team-a/api-keys/0000').expect(404);
    expect(await h.knex('sandbox_api_keys').select()).toEqual([]);
    expect(await auditOf(h)).toContain('workspace.api-key.create:api-key:invalid');
  });

  it('is for workspace admins: denied without workspace.manage, and only users make keys', async () => {
    const denied = await setup({ deny: ['sandbox.workspace.manage'] });
    await request(denied.app).get('/workspaces/team-a/api-keys').expect(403);
    await request(denied.app).post('/workspaces/team-a/api-keys').send({ name: 'x' }).expect(403);
    expect(await auditOf(denied)).toEqual(['workspace.api-key.create:api-key:denied']);

    const h = await setup();
    const asService = await request(h.app)
      .post('/workspaces/team-a/api-keys')
      .set('Authorization', mockCredentials.service.header())
      .send({ name: 'x' })
      .expect(403);
    expect(asService.body.error.message).toContain('acts for the user');
  });
});
