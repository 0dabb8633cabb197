import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import express from 'express';
import http from 'node:http';
import request from 'supertest';
import { createHarness } from './__testUtils__/harness';
import { createRouter } from './router';
import { permissionResourceLoaders } from './permissions/register';
import { SandboxAuthorizer } from './service/authorize';
import { OllamaClient } from './service/OllamaClient';

async function setup(options: { deny?: string[]; ollama?: OllamaClient } = {}) {
  const harness = await createHarness();
  const decide = (name: string) => ({
    result: options.deny?.includes(name) ? AuthorizeResult.DENY : AuthorizeResult.ALLOW,
  });
  const permissions = mockServices.permissions.mock({
    authorize: async requests => requests.map(r => decide(r.permission.name)),
    authorizeConditional: async requests => requests.map(r => decide(r.permission.name)) as any,
  });
  const router = await createRouter({
    httpAuth: mockServices.httpAuth(),
    permissions,
    authorizer: new SandboxAuthorizer({
      permissions,
      ...permissionResourceLoaders({ sandboxes: harness.store, workspaces: harness.workspaceStore }),
    }),
    logger: harness.logger,
    service: harness.service,
    workspaces: harness.workspaces,
    audit: harness.audit,
    ollama: options.ollama,
  });
  const app = express();
  app.use(router);
  const config = mockServices.rootConfig();
  app.use(MiddlewareFactory.create({ config, logger: harness.logger }).error({ showStackTraces: false }));
  return { app, ...harness, permissions };
}

const body = { name: 'box', workspace: 'team-a', template: 'python', size: 'small' };

describe('sandbox REST API', () => {
  it('creates, reads, lists, stops, starts and deletes a sandbox as the calling user', async () => {
    const { app, service } = await setup();
    const created = await request(app).post('/sandboxes').send({ ...body, repo: { url: 'file:///srv/git/app.git' } }).expect(201);
    expect(created.body).toMatchObject({ name: 'box', owner: mockCredentials.user().principal.userEntityRef, state: 'pending' });
    const id = created.body.id;
    await service.idle();

    const got = await request(app).get(`/sandboxes/${id}`).expect(200);
    expect(got.body.state).toBe('running');
    expect(got.body.transitions.map((t: { to: string }) => t.to)).toEqual(['pending', 'provisioning', 'running']);

    const list = await request(app).get('/sandboxes?workspace=team-a&limit=10').expect(200);
    expect(list.body).toMatchObject({ totalCount: 1, items: [{ id }] });

    const logs = await request(app).get(`/sandboxes/${id}/logs?tail=1`).expect(200);
    expect(logs.body.logs).toBe('image portal-sandbox/python:latest');

    const exec = await request(app).post(`/sandboxes/${id}/exec`).send({ command: ['echo', 'ok'] }).expect(200);
    expect(exec.body).toMatchObject({ exitCode: 0, stdout: 'ok\n' });

    expect((await request(app).post(`/sandboxes/${id}/stop`).expect(202)).body.state).toBe('stopping');
    await service.idle();
    await request(app).post(`/sandboxes/${id}/start`).expect(202);
    await service.idle();
    expect((await request(app).delete(`/sandboxes/${id}`).expect(202)).body.state).toBe('deleting');
    await service.idle();
    expect((await request(app).get(`/sandboxes/${id}`).expect(200)).body.state).toBe('deleted');
  });

  it.each([
    [{ ...body, size: 'huge' }, 'size: must be one of small, medium, large'],
    [{ ...body, ttlSeconds: -5 }, 'ttlSeconds'],
    [{ ...body, repo: { url: 'not a url' } }, 'repo.url: must be an http(s), ssh, git or file:// git URL'],
    [{ name: 'box', template: 'python' }, 'workspace'],
    [{ ...body, name: 'Bad_Name' }, 'name: must be 1-40 lowercase letters'],
    [{ ...body, extra: 1 }, 'extra'],
    [{ ...body, env: { 'BAD-KEY': 'x' } }, 'env'],
  ])('rejects %j with a 400 naming the field, creating nothing', async (bad, message) => {
    const { app, driver, store } = await setup();
    const res = await request(app).post('/sandboxes').send(bad).expect(400);
    expect(res.body.error.name).toBe('InputError');
    expect(res.body.error.message).toContain(message);
    expect(res.body.error.stack).toBeUndefined();
    expect(driver.instances.size).toBe(0);
    expect((await store.list({ limit: 10 })).totalCount).toBe(0);
  });

  it('answers a create with wait=true once the sandbox is running, or failed, or at the timeout', async () => {
    const { app, driver, store } = await setup();
    driver.delayMs = 30;
    const running = await request(app).post('/sandboxes?wait=true').send(body).expect(201);
    expect(running.body).toMatchObject({ name: 'box', state: 'running' });

    driver.failNext.create = 'image has no shell';
    const failed = await request(app).post('/sandboxes?wait=true&timeoutSeconds=30').send({ ...body, name: 'box-2' }).expect(201);
    expect(failed.body).toMatchObject({ state: 'failed', reason: expect.stringContaining('image has no shell') });

    driver.delayMs = 3000;
    const slow = await request(app).post('/sandboxes?wait=true&timeoutSeconds=1').send({ ...body, name: 'box-3' }).expect(201);
    expect(slow.body.state).toMatch(/pending|provisioning/);
    expect((await store.get(slow.body.id))?.name).toBe('box-3');
  });

  it.each([
    ['wait=yes', 'wait: Invalid option: expected one of "true"|"false"'],
    ['wait=true&timeoutSeconds=0', 'timeoutSeconds'],
    ['wait=true&timeoutSeconds=601', 'timeoutSeconds'],
    ['waitt=true', 'waitt'],
  ])('rejects the create query %s with a 400 naming the field, creating nothing', async (query, message) => {
    const { app, store } = await setup();
    const res = await request(app).post(`/sandboxes?${query}`).send(body).expect(400);
    expect(res.body.error.message).toContain('Invalid query');
    expect(res.body.error.message).toContain(message);
    expect((await store.list({ limit: 10 })).items).toHaveLength(0);
  });

  it('rejects malformed JSON with a 400', async () => {
    const { app } = await setup();
    const res = await request(app).post('/sandboxes').set('content-type', 'application/json').send('{"name":');
    expect(res.status).toBe(400);
  });

  it('answers a name clash with 409 and leaves one container', async () => {
    const { app, service, driver } = await setup();
    await request(app).post('/sandboxes').send(body).expect(201);
    const clash = await request(app).post('/sandboxes').send(body).expect(409);
    expect(clash.body.error.message).toBe("A sandbox named 'box' already exists in workspace 'team-a'");
    await service.idle();
    expect(driver.instances.size).toBe(1);
  });

  it('answers 404 for unknown sandboxes and 409 for impossible transitions', async () => {
    const { app, service } = await setup();
    const res = await request(app).get('/sandboxes/nope').expect(404);
    expect(res.body.error).toEqual({ name: 'NotFoundError', message: "No sandbox with id 'nope'" });
    const { body: s } = await request(app).post('/sandboxes').send(body).expect(201);
    await service.idle();
    await request(app).post(`/sandboxes/${s.id}/start`).expect(409);
    await request(app).post('/sandboxes/x/exec').send({ command: [] }).expect(400);
    await request(app).get(`/sandboxes/${s.id}/logs?tail=0`).expect(400);
    await request(app).get('/sandboxes?state=sleeping').expect(400);
  });

  it('denies what the permission policy denies, creating nothing', async () => {
    const { app, driver } = await setup({ deny: ['sandbox.create', 'sandbox.read'] });
    const res = await request(app).post('/sandboxes').send(body).expect(403);
    expect(res.body.error.message).toBe("Not allowed: sandbox.create on sandbox 'team-a'");
    expect(driver.instances.size).toBe(0);
    await request(app).get('/sandboxes/any').expect(403);
  });

  it('hides sandboxes the caller may not read from lists, deciding once per page', async () => {
    const { app, service, permissions } = await setup();
    await request(app).post('/sandboxes').send(body).expect(201);
    await request(app).post('/sandboxes').send({ ...body, workspace: 'team-b', name: 'visible' }).expect(201);
    await service.idle();
    // conditional: readable where group:default/team-b is a member, i.e. team-b only
    permissions.authorizeConditional.mockClear();
    permissions.authorizeConditional.mockImplementation(async () => [
      {
        result: AuthorizeResult.CONDITIONAL,
        pluginId: 'sandbox',
        resourceType: 'sandbox',
        conditions: { rule: 'HAS_WORKSPACE_ROLE', resourceType: 'sandbox', params: { claims: ['group:default/team-b'], roles: ['member'] } },
      } as any,
    ]);
    const res = await request(app).get('/sandboxes').expect(200);
    expect(res.body.items.map((s: any) => s.name)).toEqual(['visible']);
    expect(res.body.totalCount).toBe(1);
    expect(permissions.authorizeConditional).toHaveBeenCalledTimes(1);
    const other = res.body.items[0].id;
    await request(app).get(`/sandboxes/${other}`).expect(200);
    const hidden = (await service.list({ workspace: 'team-a', limit: 1 })).items[0].id;
    await request(app).get(`/sandboxes/${hidden}`).expect(403);
  });

  it('reports the driver health', async () => {
    const { app, driver } = await setup();
    expect((await request(app).get('/driver').expect(200)).body).toEqual({ driver: 'memory', healthy: true });
    driver.available = false;
    expect((await request(app).get('/driver').expect(503)).body).toMatchObject({ healthy: false, message: 'in-memory runtime switched off' });
    expect((await request(app).get('/health').expect(200)).body).toEqual({ status: 'ok' });
  });

  it('proxies the Ollama model list and explains when none is configured', async () => {
    const server = http.createServer((req, res) => {
      if (req.url === '/api/tags') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ models: [{ name: 'llama3.2:latest', size: 2019393189, modified_at: '2026-10-01T00:00:00Z' }, { model: 'qwen2.5' }, {}] }));
      } else {
        res.statusCode = 500;
        res.end();
      }
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as { port: number };
    try {
      const { app } = await setup({ ollama: new OllamaClient(`http://127.0.0.1:${port}/`) });
      const res = await request(app).get('/ollama/models').expect(200);
      expect(res.body.models).toEqual([
        { name: 'llama3.2:latest', size: 2019393189, modifiedAt: '2026-10-01T00:00:00Z' },
        { name: 'qwen2.5' },
      ]);
      const broken = await setup({ ollama: new OllamaClient(`http://127.0.0.1:${port}/sub`) });
      expect((await request(broken.app).get('/ollama/models').expect(503)).body.error.message).toContain('answered 500');
      const down = await setup({ ollama: new OllamaClient('http://127.0.0.1:1', 500) });
      expect((await request(down.app).get('/ollama/models').expect(503)).body.error.message).toContain('did not answer');
      const none = await setup();
      expect((await request(none.app).get('/ollama/models').expect(503)).body.error.message).toBe(
        'No Ollama endpoint is configured (sandbox.ollama.baseUrl)',
      );
    } finally {
      server.close();
    }
  });
});

describe('workspace, quota and audit REST API', () => {
  const me = mockCredentials.user().principal.userEntityRef;

  it('creates a workspace with the caller as owner, updates, archives and lists it', async () => {
    const { app } = await setup();
    const created = await request(app).post('/workspaces').send({ name: 'ml', title: 'ML', plan: 'team' }).expect(201);
    expect(created.body).toMatchObject({ name: 'ml', title: 'ML', plan: 'team', myRole: 'owner', members: [{ memberRef: me, role: 'owner' }] });
    await request(app).post('/workspaces').send({ name: 'ml' }).expect(409);
    await request(app).post('/workspaces').send({ name: 'Bad Name' }).expect(400);
    await request(app).post('/workspaces').send({ name: 'x', backingGroup: 'user:default/x' }).expect(400);

    const patched = await request(app).patch('/workspaces/ml').send({ title: 'Machine learning' }).expect(200);
    expect(patched.body.title).toBe('Machine learning');
    await request(app).patch('/workspaces/ml').send({ name: 'other' }).expect(400);
    expect((await request(app).post('/workspaces/ml/archive').expect(200)).body.archived).toBe(true);
    await request(app).post('/workspaces/ml/archive').expect(409);
    expect((await request(app).post('/workspaces/ml/unarchive').expect(200)).body.archived).toBe(false);

    const list = await request(app).get('/workspaces').expect(200);
    expect(list.body.items).toEqual([expect.objectContaining({ name: 'ml', myRole: 'owner' })]);
    expect((await request(app).get('/workspaces/ml').expect(200)).body.quota.plan).toBe('team');
    await request(app).get('/workspaces/nope').expect(404);
  });

  it('sets and removes members by URL-encoded entity ref', async () => {
    const { app } = await setup();
    await request(app).post('/workspaces').send({ name: 'ml' }).expect(201);
    const ref = encodeURIComponent('group:default/data-team');
    const set = await request(app).put(`/workspaces/ml/members/${ref}`).send({ role: 'viewer' }).expect(200);
    expect(set.body).toMatchObject({ memberRef: 'group:default/data-team', role: 'viewer' });
    await request(app).put(`/workspaces/ml/members/${ref}`).send({ role: 'king' }).expect(400);
    await request(app).put(`/workspaces/ml/members/${encodeURIComponent('nobody')}`).send({ role: 'viewer' }).expect(400);
    await request(app).delete(`/workspaces/ml/members/${ref}`).expect(204);
    await request(app).delete(`/workspaces/ml/members/${ref}`).expect(404);
    await request(app).delete(`/workspaces/ml/members/${encodeURIComponent(me)}`).expect(409);
  });

  it('reads and overrides quotas, and reports activity', async () => {
    const { app } = await setup();
    const q = await request(app).put('/workspaces/team-a/quota').send({ maxSandboxes: 1, maxVcpus: null }).expect(200);
    expect(q.body.limits).toMatchObject({ maxSandboxes: 1, maxVcpus: null });
    await request(app).put('/workspaces/team-a/quota').send({ maxSandboxes: -1 }).expect(400);
    await request(app).post('/sandboxes').send(body).expect(201);
    const over = await request(app).post('/sandboxes').send({ ...body, name: 'second' }).expect(409);
    expect(over.body.error.message).toContain("sandboxes limit is 1, 1 in use");
    expect((await request(app).get('/workspaces/team-a/quota').expect(200)).body.usage.sandboxes).toBe(1);
    const activity = await request(app).get('/workspaces/team-a/activity?days=2').expect(200);
    expect(activity.body.days).toHaveLength(2);
    expect(activity.body.days[1]).toMatchObject({ day: '2026-11-01', created: 1 });
    await request(app).get('/workspaces/team-a/activity?days=0').expect(400);
  });

  it('records every mutation in the audit log with its outcome and request id, and filters it', async () => {
    const { app, service } = await setup({ deny: ['sandbox.delete'] });
    const created = await request(app).post('/sandboxes').set('x-request-id', 'req-123').send(body).expect(201);
    await request(app).post('/sandboxes').send({ ...body, size: 'huge' }).expect(400);
    await service.idle();
    await request(app).delete(`/sandboxes/${created.body.id}`).expect(403);
    await request(app).post(`/sandboxes/${created.body.id}/stop`).expect(202);
    await service.idle();
    await request(app).post(`/sandboxes/${created.body.id}/resize`).send({ size: 'medium' }).expect(202);

    const log = await request(app).get('/audit?limit=10').expect(200);
    expect(log.body.items.map((e: any) => `${e.action}:${e.outcome}`)).toEqual([
      'sandbox.resize:success',
      'sandbox.stop:success',
      'sandbox.delete:denied',
      'sandbox.create:invalid',
      'sandbox.create:success',
    ]);
    const first = log.body.items[4];
    expect(first).toMatchObject({ actor: me, targetType: 'sandbox', targetId: created.body.id, workspace: 'team-a', requestId: 'req-123' });
    expect(log.body.items[2].message).toBe(`Not allowed: sandbox.delete on sandbox '${created.body.id}'`);

    const page1 = await request(app).get('/audit?limit=2').expect(200);
    const page2 = await request(app).get(`/audit?limit=2&cursor=${page1.body.nextCursor}`).expect(200);
    expect(page2.body.items.map((e: any) => e.action)).toEqual(['sandbox.delete', 'sandbox.create']);
    const denied = await request(app).get('/audit?outcome=denied').expect(200);
    expect(denied.body.items).toHaveLength(1);
    await request(app).get('/audit?outcome=maybe').expect(400);
  });

  it('limits the audit log to the workspaces the caller manages without audit.read', async () => {
    const { app, workspaces } = await setup({ deny: ['sandbox.audit.read'] });
    await request(app).post('/workspaces').send({ name: 'mine' }).expect(201);
    await request(app).post('/sandboxes').send(body).expect(201); // team-a: not a member
    await workspaces.store.appendAudit({ at: new Date(), actor: 'x', action: 'sandbox.create', targetType: 'sandbox', targetId: 'y', workspace: 'mine', outcome: 'success' });
    const res = await request(app).get('/audit').expect(200);
    expect(res.body.items.map((e: any) => e.workspace)).toEqual(['mine']);
    await request(app).get('/audit?workspace=team-a').expect(403);
  });
});

describe('usage ledger REST API', () => {
  it('serves closed usage by cursor, per workspace for users', async () => {
    const { app, service, clock } = await setup();
    const { body: s } = await request(app).post('/sandboxes').send(body).expect(201);
    await service.idle();
    clock.advance(60_000);
    await request(app).post(`/sandboxes/${s.id}/stop`).expect(202);
    await service.idle();
    const res = await request(app).get('/usage?workspace=team-a').expect(200);
    expect(res.body.items.map((r: any) => [r.kind, r.durationMs])).toEqual([['compute', 60_000]]);
    await request(app).get('/usage').expect(400);
    await request(app).get('/usage?workspace=team-a&limit=0').expect(400);
    const denied = await setup({ deny: ['sandbox.billing.read'] });
    await request(denied.app).get('/usage?workspace=team-a').expect(403);
  });
});
