import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { createTestDatabases } from '../__testUtils__/databases';

jest.setTimeout(60_000);
const databases = createTestDatabases();
const directory = resolvePackagePath('@internal/plugin-billing-backend', 'migrations');

describe.each(databases.eachSupportedId())('migrations (%s)', databaseId => {
  it('goes up and down cleanly', async () => {
    const knex = await databases.init(databaseId);
    await knex.migrate.latest({ directory });
    await knex('billing_usage').insert({
      ledger_id: 1, ledger_key: 'k', period: '2026-11', workspace: 'w', owner: 'o', template: 't', sandbox_id: 's',
      sandbox_name: 'n', kind: 'compute', started_at: 1, ended_at: 2, vcpu_mms: 1, memory_mib_ms: 1, disk_gib_ms: 1, gpus: 0,
    });
    await expect(knex('billing_usage').insert({
      ledger_id: 2, ledger_key: 'k', period: '2026-11', workspace: 'w', owner: 'o', template: 't', sandbox_id: 's',
      sandbox_name: 'n', kind: 'compute', started_at: 1, ended_at: 2, vcpu_mms: 1, memory_mib_ms: 1, disk_gib_ms: 1, gpus: 0,
    })).rejects.toThrow();
    await knex.migrate.down({ directory });
    expect(await knex.schema.hasTable('billing_usage')).toBe(false);
    expect(await knex.schema.hasTable('billing_plans')).toBe(false);
    await knex.destroy();
  });
});
