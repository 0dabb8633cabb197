import { mockServices } from '@backstage/backend-test-utils';
import { SANDBOX_SIZES } from '@internal/plugin-sandbox-common';
import { createTestDatabases } from '../__testUtils__/databases';
import { DatabaseSandboxStore } from '../database/DatabaseSandboxStore';
import { DatabaseWorkspaceStore } from '../database/DatabaseWorkspaceStore';
import { SandboxRecord } from '../database/SandboxStore';
import { WorkspaceService } from '../service/WorkspaceService';
import { DatabaseWarmPoolStore } from './DatabaseWarmPoolStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const at = new Date('2026-11-30T10:00:00.000Z');

function record(i: number, workspace: string): SandboxRecord {
  return {
    id: `sbx${i}`, name: `box-${i}`, workspace, owner: 'user:default/ada', template: 'base', image: 'img',
    size: SANDBOX_SIZES.small, env: {}, network: false, ttlSeconds: null, idleTimeoutSeconds: null, labels: {},
    state: 'running', driver: 'docker', createdAt: at, updatedAt: at, startedAt: at, lastActivityAt: at,
  };
}

describe.each(databases.eachSupportedId())('warm pool claims (%s)', databaseId => {
  it('hands each ready member to exactly one of many concurrent claims, in the insert transaction', async () => {
    const knex = await databases.init(databaseId);
    const sandboxes = await DatabaseSandboxStore.create({ database: mockServices.database({ knex, migrations: { skip: false } }) });
    const workspaces = new WorkspaceService({ store: new DatabaseWorkspaceStore(knex), clock: { now: () => at }, logger: mockServices.logger.mock(), admins: [] });
    await workspaces.bootstrap(
      ['w1', 'w2', 'w3', 'w4'].map(name => ({ name, plan: 'enterprise', members: [] }) as any),
    );
    const pool = new DatabaseWarmPoolStore(knex);
    for (let i = 0; i < 4; i++) {
      await pool.insertCreating({ id: `wp${i}`, template: 'base', specKey: 'k', createdAt: at });
      expect(await pool.markReady(`wp${i}`, `ext-${i}`, at)).toBe(true);
    }
    await pool.insertCreating({ id: 'wpother', template: 'base', specKey: 'other', createdAt: at });
    expect(await pool.markReady('wpother', 'ext-other', at)).toBe(true);

    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        sandboxes.insertClaimed(record(i, `w${(i % 4) + 1}`), {
          take: tx => pool.take(tx, { template: 'base', specKey: 'k', sandboxId: `sbx${i}`, at }),
          reason: 'claimed',
        }),
      ),
    );
    const claimed = results.filter(Boolean);
    expect(claimed).toHaveLength(4);
    expect(new Set(claimed.map(r => r!.externalId))).toEqual(new Set(['ext-0', 'ext-1', 'ext-2', 'ext-3']));
    const rows = await knex('sandboxes').select('id', 'external_id', 'state');
    expect(rows).toHaveLength(4);
    // each claim opened exactly one usage interval, at the claim
    expect(await knex('usage_open').count({ n: '*' })).toEqual([{ n: expect.anything() }]);
    expect(Number((await knex('usage_open').count({ n: '*' }))[0].n)).toBe(4);
    const members = await pool.list('base');
    expect(members.find(m => m.id === 'wpother')?.state).toBe('ready');
    const owners = members.filter(m => m.id !== 'wpother').map(m => [rows.find(r => r.external_id === m.externalId)?.id, m.sandboxId]);
    expect(owners.every(([owner, claimer]) => owner !== undefined && owner === claimer)).toBe(true);
    expect(await pool.counts()).toEqual([{ template: 'base', state: 'ready', count: 1 }]);
    expect(await pool.ownedBySandbox('ext-0')).toBe(true);
    expect(await pool.ownedBySandbox('ext-other')).toBe(false);
    expect(await pool.pruneClaimed(new Date(at.getTime() + 1))).toBe(4);
    expect(await pool.templates()).toEqual(['base']);
    await knex.destroy();
  });
});
