import { mockServices } from '@backstage/backend-test-utils';
import { SANDBOX_SIZES } from '@internal/plugin-sandbox-common';
import { createTestDatabases } from '../__testUtils__/databases';
import { DatabaseSandboxStore } from './DatabaseSandboxStore';
import { lockAndReadQuota } from './quota';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'pause in the usage ledger and quota (%s)',
  databaseId => {
    let store: DatabaseSandboxStore;
    let knex: Awaited<ReturnType<typeof databases.init>>;

    beforeAll(async () => {
      knex = await databases.init(databaseId);
      store = await DatabaseSandboxStore.create({
        database: mockServices.database({ knex, migrations: { skip: false } }),
      });
    });

    beforeEach(async () => {
      await knex('workspaces').insert({
        name: 'pause-ws',
        title: 'p',
        plan: 'free',
        created_at: new Date(),
        created_by: 'test',
      });
    });

    afterEach(async () => {
      await knex('usage_records').delete();
      await knex('usage_open').delete();
      await knex('sandbox_transitions').delete();
      await knex('sandboxes').delete();
      await knex('workspaces').delete();
    });

    it('closes compute on pause, meters storage only while paused (split at the month), reopens compute on resume', async () => {
      const at = (iso: string) => new Date(iso);
      const id = `pz-${Math.random().toString(16).slice(2, 10)}`;
      await store.insert({
        id,
        name: 'box',
        workspace: 'pause-ws',
        owner: 'user:default/ada',
        template: 'python',
        image: 'portal-sandbox/python:latest',
        size: SANDBOX_SIZES.medium,
        env: {},
        network: false,
        ttlSeconds: null,
        idleTimeoutSeconds: null,
        labels: {},
        state: 'pending',
        driver: 'memory',
        createdAt: at('2026-11-30T22:00:00Z'),
        updatedAt: at('2026-11-30T22:00:00Z'),
      });
      const move = async (from: any, to: any, when: string) =>
        expect(
          await store.transition(id, [from], to, {}, at(when)),
        ).toMatchObject({ state: to });
      await move('pending', 'provisioning', '2026-11-30T22:00:00Z');
      await move('provisioning', 'running', '2026-11-30T22:00:00Z');
      await move('running', 'pausing', '2026-11-30T23:00:00Z');
      await move('pausing', 'paused', '2026-11-30T23:00:00Z');
      // a paused sandbox still holds its vCPUs and memory in the quota
      const { usage } = await knex.transaction(tx =>
        lockAndReadQuota(tx, 'pause-ws'),
      );
      expect(usage).toEqual({
        sandboxes: 1,
        vcpus: 1,
        memoryMiB: 2048,
        diskGiB: 10,
      });
      await move('paused', 'resuming', '2026-12-01T02:00:00Z');
      await move('resuming', 'running', '2026-12-01T02:00:00Z');
      await move('running', 'deleting', '2026-12-01T02:30:00Z');

      const { items } = await store.readUsage({
        limit: 10,
        workspace: 'pause-ws',
      });
      expect(
        items.map(r => [
          r.kind,
          r.startedAt,
          r.endedAt,
          r.vcpus,
          r.memoryMiB,
          r.diskGiB,
        ]),
      ).toEqual([
        [
          'compute',
          '2026-11-30T22:00:00.000Z',
          '2026-11-30T23:00:00.000Z',
          1,
          2048,
          10,
        ],
        [
          'storage',
          '2026-11-30T23:00:00.000Z',
          '2026-12-01T00:00:00.000Z',
          0,
          0,
          10,
        ],
        [
          'storage',
          '2026-12-01T00:00:00.000Z',
          '2026-12-01T02:00:00.000Z',
          0,
          0,
          10,
        ],
        [
          'compute',
          '2026-12-01T02:00:00.000Z',
          '2026-12-01T02:30:00.000Z',
          1,
          2048,
          10,
        ],
      ]);
      expect(
        items.slice(1, 3).reduce((sum, r) => sum + r.diskGiBHours, 0),
      ).toBe(30);
    });
  },
);
