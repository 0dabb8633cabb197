import { mockServices } from '@backstage/backend-test-utils';
import { createTestDatabases } from '../__testUtils__/databases';
import { DatabaseSandboxStore } from '../database/DatabaseSandboxStore';
import { DatabaseWorkspaceStore } from '../database/DatabaseWorkspaceStore';
import { QuotaExceededError } from '../database/quota';
import { DockerDriver } from '../drivers/docker/DockerDriver';
import { SANDBOX_LABELS } from '../drivers/types';
import { SandboxService } from './SandboxService';
import { WorkspaceService } from './WorkspaceService';
import { systemClock } from './types';

jest.setTimeout(180_000);

const databases = createTestDatabases();
const socketPath =
  process.env.PORTAL_DOCKER_SOCKET ||
  (process.env.DOCKER_HOST?.startsWith('unix://') ? process.env.DOCKER_HOST.slice(7) : '/var/run/docker.sock');

/**
 * Invariant 1 against the real engine: 50 parallel creates into a workspace limited to 10
 * sandboxes -> exactly 10 succeed, 40 get the quota error, and the engine holds exactly 10
 * containers. On SQLite and on PostgreSQL (where the workspace row lock serialises the creates).
 */
describe.each(databases.eachSupportedId())('quota under concurrent creates (%s)', databaseId => {
  it('admits exactly 10 of 50 parallel creates and runs exactly 10 containers', async () => {
    const driver = new DockerDriver({ socketPath });
    try {
      await driver.healthCheck();
    } catch (e) {
      throw new Error(
        `Docker engine not reachable: run \`source scripts/env.sh && source scripts/services/docker.sh && docker_start\` (CI does this)\n${e}`,
      );
    }
    const knex = await databases.init(databaseId);
    const logger = mockServices.logger.mock();
    const store = await DatabaseSandboxStore.create({ database: mockServices.database({ knex, migrations: { skip: false } }) });
    const workspaceStore = new DatabaseWorkspaceStore(knex);
    const workspace = `quota-${databaseId.toLowerCase().replace(/_/g, '-')}`;
    const workspaces = new WorkspaceService({ store: workspaceStore, clock: systemClock, logger });
    await workspaces.bootstrap([{ name: workspace, plan: 'enterprise', backingGroupRole: 'member' }]);
    await workspaces.setQuotaOverrides(workspace, { maxSandboxes: 10 }, 'user:default/root');
    const service = new SandboxService({
      store,
      driver,
      clock: systemClock,
      logger,
      templates: { base: { image: 'portal-sandbox/base:latest' } },
      appBaseUrl: 'http://portal.test',
    });

    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        service.create(
          {
            name: `q${i}`,
            workspace,
            template: 'base',
            size: 'small',
            env: {},
            network: false,
            ttlSeconds: null,
            idleTimeoutSeconds: null,
            labels: {},
          },
          'user:default/ada',
        ),
      ),
    );
    const ok = results.filter(r => r.status === 'fulfilled');
    const rejected = results.filter(r => r.status === 'rejected') as PromiseRejectedResult[];
    expect(ok).toHaveLength(10);
    expect(rejected).toHaveLength(40);
    for (const r of rejected) {
      expect(r.reason).toBeInstanceOf(QuotaExceededError);
      expect(r.reason.message).toBe(
        `Quota exceeded in workspace '${workspace}': sandboxes limit is 10, 10 in use, this request needs 1 more`,
      );
    }
    await service.idle();

    const mine = (await driver.list()).filter(i => i.labels[SANDBOX_LABELS.workspace] === workspace);
    try {
      expect(mine).toHaveLength(10);
      expect(mine.every(i => i.status === 'running')).toBe(true);
      expect((await workspaceStore.getQuota(workspace)).usage.sandboxes).toBe(10);
    } finally {
      for (const r of ok) await service.delete((r as PromiseFulfilledResult<{ id: string }>).value.id).catch(() => undefined);
      await service.idle();
    }
    expect((await driver.list()).filter(i => i.labels[SANDBOX_LABELS.workspace] === workspace)).toHaveLength(0);
  });
});
