import { coreServices, createBackendPlugin } from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createHarness } from '../__testUtils__/harness';
import { permissionResourceLoaders } from '../permissions/register';
import { SandboxAuthorizer } from '../service/authorize';
import { backupDirectoryFrom, createBackupStore, LocalDirectoryBackupStore, registerBackups, S3BackupStore } from './index';

jest.setTimeout(60_000);

describe('registerBackups (the wiring plugin.ts uses)', () => {
  it('mounts the routes under /api/sandbox next to another router, registers permissions and the global task', async () => {
    const harness = await createHarness();
    const directory = await mkdtemp(path.join(os.tmpdir(), 'backups-wiring-'));
    const scheduled: Array<{ id: string; scope?: string; fn: () => Promise<void> }> = [];
    const added: string[] = [];
    const plugin = createBackendPlugin({
      pluginId: 'sandbox',
      register(env) {
        env.registerInit({
          deps: {
            config: coreServices.rootConfig,
            logger: coreServices.logger,
            httpRouter: coreServices.httpRouter,
            httpAuth: coreServices.httpAuth,
            permissions: coreServices.permissions,
          },
          async init({ config, logger, httpRouter, httpAuth, permissions }) {
            httpRouter.use((req, res, next) => (req.path === '/health' ? res.json({ status: 'ok' }) : next()));
            const authorizer = new SandboxAuthorizer({
              permissions,
              ...permissionResourceLoaders({ sandboxes: harness.store, workspaces: harness.workspaceStore }),
            });
            await registerBackups({
              config,
              logger,
              knex: harness.knex,
              scheduler: { scheduleTask: async (t: any) => void scheduled.push(t) } as any,
              httpRouter,
              httpAuth,
              permissionsRegistry: { addPermissions: (p: Array<{ name: string }>) => added.push(...p.map(x => x.name)) } as any,
              authorizer,
              audit: harness.audit,
              service: harness.service,
              driver: harness.driver,
              clock: harness.clock,
            });
          },
        });
      },
    });
    const { server } = await startTestBackend({
      features: [plugin, mockServices.rootConfig.factory({ data: { sandbox: { backups: { directory } } } })],
    });
    const sandbox = await harness.service.create(
      { name: 'box', workspace: 'team-a', template: 'python', size: 'small', env: {}, network: false, ttlSeconds: null, idleTimeoutSeconds: null, labels: {} },
      'user:default/ada',
    );
    await harness.service.idle();
    const auth = mockCredentials.user.header('user:default/ada');
    await request(server).get('/api/sandbox/health').expect(200);
    const created = await request(server).post(`/api/sandbox/sandboxes/${sandbox.id}/backups`).set('Authorization', auth).send({}).expect(201);
    await request(server).get(`/api/sandbox/backups/${created.body.id}`).set('Authorization', auth).expect(200);
    await request(server).get(`/api/sandbox/sandboxes/${sandbox.id}/backups`).set('Authorization', 'Bearer nope').expect(401);
    expect(added).toEqual(['sandbox.backup.create', 'sandbox.backup.read', 'sandbox.backup.restore', 'sandbox.backup.delete']);
    expect(scheduled.map(t => [t.id, t.scope])).toEqual([['sandbox-backups', 'global']]);
    await scheduled[0].fn();
  });

  it('defaults the directory to .data/backups', () => {
    expect(backupDirectoryFrom(mockServices.rootConfig({ data: {} }))).toBe(path.resolve('.data/backups'));
  });

  it('picks the backup store from sandbox.backups.store', () => {
    const store = (backups: object) => createBackupStore(mockServices.rootConfig({ data: { sandbox: { backups } } }));
    expect(store({})).toBeInstanceOf(LocalDirectoryBackupStore);
    expect(store({ store: 'local', directory: '/tmp/x' })).toBeInstanceOf(LocalDirectoryBackupStore);
    expect(store({ store: 's3', s3: { bucket: 'b', prefix: 'p', endpoint: 'http://127.0.0.1:9', forcePathStyle: true } })).toBeInstanceOf(S3BackupStore);
    expect(store({ store: 's3', s3: { bucket: 'b', accessKeyId: 'k', secretAccessKey: 's' } })).toBeInstanceOf(S3BackupStore);
    expect(() => store({ store: 'tape' })).toThrow("sandbox.backups.store must be 'local' or 's3', not 'tape'");
    expect(() => store({ store: 's3', s3: {} })).toThrow("Missing required config value at 'sandbox.backups.s3.bucket'");
    expect(() => store({ store: 's3', s3: { bucket: 'b', accessKeyId: 'k' } })).toThrow('set both accessKeyId and secretAccessKey, or neither');
  });
});
