import { permissionsServiceFactory } from '@backstage/backend-defaults/permissions';
import { mockCredentials, mockServices, startTestBackend } from '@backstage/backend-test-utils';
import permissionBackend from '@backstage/plugin-permission-backend';
import sandboxBackend from '@internal/plugin-sandbox-backend';
import { AuthService, coreServices, createServiceFactory, HttpAuthService } from '@backstage/backend-plugin-api';
import request from 'supertest';

/**
 * The mock auth service drops the actor of on-behalf-of tokens, which the real one keeps: the
 * permission backend's apply-conditions call would then look like a plain user call and be refused.
 * This wrapper restores the actor, as production tokens carry it.
 */
const authWithActors = createServiceFactory({
  service: coreServices.auth,
  deps: { plugin: coreServices.pluginMetadata },
  factory({ plugin }) {
    const inner = mockServices.auth({ pluginId: plugin.getId() });
    const wrapped: AuthService = Object.create(inner);
    wrapped.authenticate = (async (token: string, options?: any) => {
      const credentials = await inner.authenticate(token, options);
      const prefix = 'mock-service-token:';
      if (token.startsWith(prefix)) {
        const { sub, obo } = JSON.parse(token.slice(prefix.length));
        if (obo) return mockCredentials.user(obo, { actor: { subject: sub ?? 'plugin:permission' } });
      }
      return credentials;
    }) as AuthService['authenticate'];
    return wrapped;
  },
});

const httpAuthWithActors = createServiceFactory({
  service: coreServices.httpAuth,
  deps: { plugin: coreServices.pluginMetadata },
  factory({ plugin }) {
    const inner = mockServices.httpAuth({ pluginId: plugin.getId() });
    const wrapped: HttpAuthService = Object.create(inner);
    wrapped.credentials = (async (req: any, options?: any) => {
      const credentials = await inner.credentials(req, options);
      const token = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
      const prefix = 'mock-service-token:';
      if (token.startsWith(prefix) && JSON.parse(token.slice(prefix.length)).obo) {
        return mockCredentials.user(JSON.parse(token.slice(prefix.length)).obo, { actor: { subject: 'plugin:permission' } });
      }
      return credentials;
    }) as HttpAuthService['credentials'];
    return wrapped;
  },
});
import { permissionPolicyModule } from './modules/permissionPolicy';

jest.setTimeout(60_000);

// Real permission framework: permission-backend + the portal policy + the sandbox plugin's rules.
async function start() {
  const { server } = await startTestBackend({
    features: [
      sandboxBackend,
      permissionBackend,
      permissionPolicyModule,
      permissionsServiceFactory,
      authWithActors,
      httpAuthWithActors,
      mockServices.rootConfig.factory({
        data: {
          app: { baseUrl: 'http://portal.test' },
          permission: { enabled: true },
          sandbox: {
            driver: 'memory',
            admins: ['user:default/root'],
            reconciler: { schedule: { frequency: { minutes: 10 }, timeout: { minutes: 1 } } },
            workspaces: [
              {
                name: 'team-a',
                plan: 'team',
                members: [
                  { ref: 'user:default/alice', role: 'owner' },
                  { ref: 'user:default/mona', role: 'member' },
                  { ref: 'user:default/vic', role: 'viewer' },
                ],
              },
              { name: 'team-b', plan: 'team', members: [{ ref: 'user:default/bob', role: 'owner' }] },
            ],
          },
        },
      }),
    ],
  });
  const as = (user: string) => mockCredentials.user.header(user);
  return { server, as };
}

const body = (name: string, workspace = 'team-a') => ({ name, workspace, template: 'python' });

describe('sandbox permissions with the portal policy', () => {
  it('lets members create, stops viewers, and keeps workspaces apart', async () => {
    const { server, as } = await start();
    const created = await request(server).post('/api/sandbox/sandboxes').set('Authorization', as('user:default/mona')).send(body('mine')).expect(201);
    const id = created.body.id;

    // a viewer may read but not create
    await request(server).get(`/api/sandbox/sandboxes/${id}`).set('Authorization', as('user:default/vic')).expect(200);
    const denied = await request(server).post('/api/sandbox/sandboxes').set('Authorization', as('user:default/vic')).send(body('nope')).expect(403);
    expect(denied.body.error.name).toBe('NotAllowedError');

    // a member of team-b sees nothing of team-a
    await request(server).get(`/api/sandbox/sandboxes/${id}`).set('Authorization', as('user:default/bob')).expect(403);
    await request(server).delete(`/api/sandbox/sandboxes/${id}`).set('Authorization', as('user:default/bob')).expect(403);
    await request(server).post(`/api/sandbox/sandboxes/${id}/exec`).set('Authorization', as('user:default/bob')).send({ command: ['id'] }).expect(403);
    const list = await request(server).get('/api/sandbox/sandboxes').set('Authorization', as('user:default/bob')).expect(200);
    expect(list.body.items).toEqual([]);
    await request(server).post('/api/sandbox/sandboxes').set('Authorization', as('user:default/bob')).send(body('intruder')).expect(403);

    // the workspace owner manages it; the portal admin sees everything
    const aliceList = await request(server).get('/api/sandbox/sandboxes?workspace=team-a').set('Authorization', as('user:default/alice')).expect(200);
    expect(aliceList.body.items.map((s: any) => s.name)).toEqual(['mine']);
    const rootWs = await request(server).get('/api/sandbox/workspaces').set('Authorization', as('user:default/root')).expect(200);
    expect(rootWs.body.items.map((w: any) => w.name)).toEqual(['team-a', 'team-b']);
    const bobWs = await request(server).get('/api/sandbox/workspaces').set('Authorization', as('user:default/bob')).expect(200);
    expect(bobWs.body.items).toEqual([expect.objectContaining({ name: 'team-b', myRole: 'owner' })]);

    // members manage their own sandboxes only; quota overrides are for portal admins
    const other = await request(server).post('/api/sandbox/sandboxes').set('Authorization', as('user:default/alice')).send(body('alices')).expect(201);
    await request(server).delete(`/api/sandbox/sandboxes/${other.body.id}`).set('Authorization', as('user:default/mona')).expect(403);
    await request(server).put('/api/sandbox/workspaces/team-a/quota').set('Authorization', as('user:default/alice')).send({ maxSandboxes: 100 }).expect(403);
    await request(server).put('/api/sandbox/workspaces/team-a/quota').set('Authorization', as('user:default/root')).send({ maxSandboxes: 2 }).expect(200);
    const overQuota = await request(server).post('/api/sandbox/sandboxes').set('Authorization', as('user:default/alice')).send(body('third')).expect(409);
    expect(overQuota.body.error.message).toBe(
      "Quota exceeded in workspace 'team-a': sandboxes limit is 2, 2 in use, this request needs 1 more",
    );

    // every rejection left no sandbox and exactly one audit entry with outcome denied
    const audit = await request(server).get('/api/sandbox/audit?outcome=denied&limit=50').set('Authorization', as('user:default/root')).expect(200);
    const denials = audit.body.items.map((e: any) => `${e.actor} ${e.action} ${e.targetId}`);
    expect(denials.sort()).toEqual(
      [
        'user:default/vic sandbox.create nope',
        `user:default/bob sandbox.delete ${id}`,
        `user:default/bob sandbox.exec ${id}`,
        'user:default/bob sandbox.create intruder',
        `user:default/mona sandbox.delete ${other.body.id}`,
        'user:default/alice quota.override team-a',
        'user:default/alice sandbox.create third',
      ].sort(),
    );
    const all = await request(server).get('/api/sandbox/sandboxes?limit=200').set('Authorization', as('user:default/root')).expect(200);
    expect(all.body.items.map((s: any) => s.name).sort()).toEqual(['alices', 'mine']);

    // workspace owners read their own workspace's log, not others'
    await request(server).get('/api/sandbox/audit?workspace=team-b').set('Authorization', as('user:default/alice')).expect(403);
    const aliceAudit = await request(server).get('/api/sandbox/audit').set('Authorization', as('user:default/alice')).expect(200);
    expect(new Set(aliceAudit.body.items.map((e: any) => e.workspace))).toEqual(new Set(['team-a']));
  });
});
