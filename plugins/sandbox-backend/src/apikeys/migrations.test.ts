import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { createTestDatabases } from '../__testUtils__/databases';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const directory = resolvePackagePath('@internal/plugin-sandbox-backend', 'migrations');

describe.each(databases.eachSupportedId())('migration 20261129_api_keys (%s)', databaseId => {
  it('adds the key and runtime tables and sandboxes.process, and takes them away again keeping the sandboxes', async () => {
    const knex = await databases.init(databaseId);
    for (;;) {
      const [, pending] = (await knex.migrate.list({ directory })) as [unknown[], Array<{ file: string }>];
      if (pending[0].file === '20261129_api_keys.js') break;
      await knex.migrate.up({ directory });
    }
    const sandbox = {
      id: 'a', name: 'n', workspace: 'w', owner: 'user:default/x', template: 't', image: 'i',
      size_name: 'small', size: '{}', env: '{}', labels: '{}', state: 'running', driver: 'docker',
      live_name: 'n', created_at: new Date(), updated_at: new Date(),
    };
    await knex('sandboxes').insert(sandbox);

    await knex.migrate.up({ directory, name: '20261129_api_keys.js' });
    expect((await knex('sandboxes').where({ id: 'a' }).first()).process).toBeNull();
    await knex('sandboxes').where({ id: 'a' }).update({ process: JSON.stringify({ command: ['x'] }) });
    const key = { id: 'k', workspace: 'w', name: 'n', prefix: 'psk_12345678', secret_hash: 'h'.repeat(64), created_by: 'user:default/x', created_at: new Date() };
    await knex('sandbox_api_keys').insert(key);
    await expect(knex('sandbox_api_keys').insert({ ...key, id: 'k2' })).rejects.toThrow();
    const runtime = { runtime_id: 'r1', session_id: 's', workspace: 'w', sandbox_id: 'a', api_key_id: 'k', image: 'i', session_api_key: 'x', created_at: new Date(), live_session: 'w/s' };
    await knex('openhands_runtimes').insert(runtime);
    // one live runtime per session; a stopped one releases it
    await expect(knex('openhands_runtimes').insert({ ...runtime, runtime_id: 'r2' })).rejects.toThrow();
    await knex('openhands_runtimes').insert({ ...runtime, runtime_id: 'r3', live_session: null, stopped_at: new Date() });

    await knex.migrate.down({ directory });
    expect(await knex.schema.hasTable('sandbox_api_keys')).toBe(false);
    expect(await knex.schema.hasTable('openhands_runtimes')).toBe(false);
    expect(await knex.schema.hasColumn('sandboxes', 'process')).toBe(false);
    expect(await knex('sandboxes').where({ id: 'a' }).first()).toMatchObject({ name: 'n', live_name: 'n' });
    await knex.destroy();
  });
});
