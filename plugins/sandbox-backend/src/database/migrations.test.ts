import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { createTestDatabases } from '../__testUtils__/databases';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const directory = resolvePackagePath('@internal/plugin-sandbox-backend', 'migrations');

describe.each(databases.eachSupportedId())('migrations (%s)', databaseId => {
  it('20261125_init creates and drops the sandbox tables with their unique live-name index', async () => {
    const knex = await databases.init(databaseId);
    await knex.migrate.up({ directory, name: '20261125_init.js' });
    const row = {
      id: 'a', name: 'n', workspace: 'w', owner: 'user:default/x', template: 't', image: 'i',
      size_name: 'small', size: '{}', env: '{}', labels: '{}', state: 'pending', driver: 'docker',
      live_name: 'n', created_at: new Date(), updated_at: new Date(),
    };
    await knex('sandboxes').insert(row);
    await expect(knex('sandboxes').insert({ ...row, id: 'b' })).rejects.toThrow();
    // deleted rows release the name
    await knex('sandboxes').insert({ ...row, id: 'c', live_name: null });
    await knex('sandbox_transitions').insert({ sandbox_id: 'a', to_state: 'pending', at: new Date() });
    expect(await knex('sandbox_transitions').count({ c: '*' })).toEqual([{ c: expect.anything() }]);

    await knex.migrate.down({ directory });
    expect(await knex.schema.hasTable('sandboxes')).toBe(false);
    expect(await knex.schema.hasTable('sandbox_transitions')).toBe(false);
    await knex.destroy();
  });

  it('20261130_warm_pools creates and drops the pool table', async () => {
    const knex = await databases.init(databaseId);
    await knex.migrate.latest({ directory });
    await knex('sandbox_warm_pool').insert({ id: 'wp1', template: 'base', spec_key: 'k', state: 'ready', external_id: 'c', created_at: new Date() });
    await expect(
      knex('sandbox_warm_pool').insert({ id: 'wp1', template: 'base', spec_key: 'k', state: 'ready', created_at: new Date() }),
    ).rejects.toThrow();
    await knex.migrate.down({ directory, name: '20261130_warm_pools.js' });
    expect(await knex.schema.hasTable('sandbox_warm_pool')).toBe(false);
    expect(await knex.schema.hasTable('sandboxes')).toBe(true);
    await knex.destroy();
  });
});
