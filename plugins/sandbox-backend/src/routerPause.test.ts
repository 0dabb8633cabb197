import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { mockServices } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import express from 'express';
import request from 'supertest';
import { createHarness } from './__testUtils__/harness';
import { createRouter } from './router';
import { permissionResourceLoaders } from './permissions/register';
import { SandboxAuthorizer } from './service/authorize';

async function setup(options: { deny?: string[] } = {}) {
  const harness = await createHarness();
  const decide = (name: string) => ({
    result: options.deny?.includes(name)
      ? AuthorizeResult.DENY
      : AuthorizeResult.ALLOW,
  });
  const permissions = mockServices.permissions.mock({
    authorize: async requests => requests.map(r => decide(r.permission.name)),
    authorizeConditional: async requests =>
      requests.map(r => decide(r.permission.name)) as any,
  });
  const router = await createRouter({
    httpAuth: mockServices.httpAuth(),
    permissions,
    authorizer: new SandboxAuthorizer({
      permissions,
      ...permissionResourceLoaders({
        sandboxes: harness.store,
        workspaces: harness.workspaceStore,
      }),
    }),
    logger: harness.logger,
    service: harness.service,
    workspaces: harness.workspaces,
    audit: harness.audit,
  });
  const app = express();
  app.use(router);
  app.use(
    MiddlewareFactory.create({
      config: mockServices.rootConfig(),
      logger: harness.logger,
    }).error({ showStackTraces: false }),
  );
  return { app, ...harness };
}

const body = {
  name: 'box',
  workspace: 'team-a',
  template: 'python',
  size: 'small',
};

describe('POST /sandboxes/{id}/pause and /resume', () => {
  it('pauses and resumes (answering once done), refuses exec while paused, and audits both', async () => {
    const { app, service } = await setup();
    const { body: s } = await request(app)
      .post('/sandboxes')
      .send(body)
      .expect(201);
    await service.idle();

    const paused = await request(app)
      .post(`/sandboxes/${s.id}/pause`)
      .expect(200);
    expect(paused.body).toMatchObject({ id: s.id, state: 'paused' });
    const exec = await request(app)
      .post(`/sandboxes/${s.id}/exec`)
      .send({ command: ['echo', 'x'] })
      .expect(409);
    expect(exec.body.error.message).toContain("Sandbox 'box' is paused");
    const twice = await request(app)
      .post(`/sandboxes/${s.id}/pause`)
      .expect(409);
    expect(twice.body.error.message).toBe(
      "Sandbox 'box' is paused; only running sandboxes can be paused",
    );

    const resumed = await request(app)
      .post(`/sandboxes/${s.id}/resume`)
      .expect(200);
    expect(resumed.body.state).toBe('running');
    await request(app)
      .post(`/sandboxes/${s.id}/exec`)
      .send({ command: ['echo', 'x'] })
      .expect(200);
    const again = await request(app)
      .post(`/sandboxes/${s.id}/resume`)
      .expect(409);
    expect(again.body.error.message).toBe(
      "Sandbox 'box' is running; only paused sandboxes can be resumed",
    );

    const unknown = await request(app)
      .post('/sandboxes/nope/pause')
      .expect(404);
    expect(unknown.body.error.message).toBe("No sandbox with id 'nope'");

    const log = await request(app).get('/audit?limit=20').expect(200);
    const entries = log.body.items
      .filter(
        (e: any) =>
          e.action === 'sandbox.pause' || e.action === 'sandbox.resume',
      )
      .map((e: any) => `${e.action}:${e.outcome}:${e.targetId}`);
    expect(entries).toEqual([
      'sandbox.pause:failure:nope',
      `sandbox.resume:failure:${s.id}`,
      `sandbox.resume:success:${s.id}`,
      `sandbox.pause:failure:${s.id}`,
      `sandbox.pause:success:${s.id}`,
    ]);
    expect(
      log.body.items.find(
        (e: any) => e.action === 'sandbox.pause' && e.outcome === 'success',
      ).workspace,
    ).toBe('team-a');
  });

  it('needs the update permission, like start and stop', async () => {
    const { app, service } = await setup({ deny: ['sandbox.update'] });
    const { body: s } = await request(app)
      .post('/sandboxes')
      .send(body)
      .expect(201);
    await service.idle();
    const denied = await request(app)
      .post(`/sandboxes/${s.id}/pause`)
      .expect(403);
    expect(denied.body.error.message).toBe(
      `Not allowed: sandbox.update on sandbox '${s.id}'`,
    );
    await request(app).post(`/sandboxes/${s.id}/resume`).expect(403);
    expect((await service.get(s.id)).state).toBe('running');
  });
});
