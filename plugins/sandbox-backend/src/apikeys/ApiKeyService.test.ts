import { mockServices } from '@backstage/backend-test-utils';
import { createTestDatabases } from '../__testUtils__/databases';
import { ManualClock } from '../__testUtils__/harness';
import { DatabaseSandboxStore } from '../database/DatabaseSandboxStore';
import { ApiKeyService, hashApiKey, LAST_USED_RESOLUTION_MS } from './ApiKeyService';
import { DatabaseApiKeyStore } from './DatabaseApiKeyStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())('ApiKeyService (%s)', databaseId => {
  async function setup() {
    const knex = await databases.init(databaseId);
    // the plugin's store runs all migrations, 20261129_api_keys.js included
    await DatabaseSandboxStore.create({ database: mockServices.database({ knex, migrations: { skip: false } }) });
    const clock = new ManualClock();
    const store = new DatabaseApiKeyStore(knex);
    return { knex, clock, store, keys: new ApiKeyService({ store, clock }) };
  }

  it('creates a psk_ key shown once, stores only its SHA-256, and verifies it for its workspace', async () => {
    const { knex, keys } = await setup();
    const { key, item } = await keys.create('team-a', { name: 'openhands' }, 'user:default/ada');
    expect(key).toMatch(/^psk_[A-Za-z0-9_-]{43}$/);
    expect(item).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{16}$/),
      workspace: 'team-a',
      name: 'openhands',
      prefix: key.slice(0, 12),
      createdBy: 'user:default/ada',
      createdAt: '2026-11-01T10:00:00.000Z',
    });
    const rows = await knex('sandbox_api_keys').select();
    expect(rows).toHaveLength(1);
    expect(rows[0].secret_hash).toBe(hashApiKey(key));
    expect(JSON.stringify(rows)).not.toContain(key);

    await expect(keys.verify(key)).resolves.toEqual({ id: item.id, workspace: 'team-a', prefix: item.prefix, createdBy: 'user:default/ada' });
    expect((await keys.list('team-a')).map(k => k.id)).toEqual([item.id]);
    expect(await keys.list('team-b')).toEqual([]);
    await expect(keys.get('team-b', item.id)).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  it('refuses missing, malformed, unknown, revoked and expired keys with 401s that say why', async () => {
    const { clock, keys } = await setup();
    const { key, item } = await keys.create('team-a', { name: 'k', expiresAt: '2026-11-01T11:00:00.000Z' }, 'user:default/ada');
    await expect(keys.verify(undefined)).rejects.toMatchObject({ name: 'AuthenticationError', message: expect.stringContaining('X-API-Key') });
    await expect(keys.verify('nope')).rejects.toMatchObject({ name: 'AuthenticationError', message: 'Invalid API key' });
    await expect(keys.verify(`psk_${'A'.repeat(43)}`)).rejects.toMatchObject({ name: 'AuthenticationError', message: 'Invalid API key' });

    clock.advance(3_600_000);
    await expect(keys.verify(key)).rejects.toMatchObject({ name: 'AuthenticationError', message: expect.stringContaining('expired') });

    const other = await keys.create('team-a', { name: 'other' }, 'user:default/ada');
    await keys.verify(other.key);
    const revoked = await keys.revoke('team-a', other.item.id, 'user:default/bob');
    expect(revoked).toMatchObject({ revokedAt: clock.now().toISOString(), revokedBy: 'user:default/bob' });
    await expect(keys.verify(other.key)).rejects.toMatchObject({ name: 'AuthenticationError', message: expect.stringContaining('revoked') });
    await expect(keys.revoke('team-a', other.item.id, 'user:default/bob')).rejects.toMatchObject({ name: 'ConflictError' });
    await expect(keys.revoke('team-b', item.id, 'user:default/bob')).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  it('rejects an expiry in the past', async () => {
    const { keys } = await setup();
    await expect(keys.create('team-a', { name: 'k', expiresAt: '2026-11-01T09:00:00.000Z' }, 'user:default/ada')).rejects.toMatchObject({
      name: 'InputError',
      message: 'expiresAt: must be in the future',
    });
  });

  it('writes lastUsedAt at most once a minute, also across service instances', async () => {
    const { clock, store, keys } = await setup();
    const { key, item } = await keys.create('team-a', { name: 'k' }, 'user:default/ada');
    const touch = jest.spyOn(store, 'touch');
    await keys.verify(key);
    const first = clock.now().toISOString();
    clock.advance(30_000);
    await keys.verify(key);
    expect(touch).toHaveBeenCalledTimes(1);
    expect((await keys.get('team-a', item.id)).lastUsedAt).toBe(first);

    // another replica (its own memo) sees the recent write in the row and skips too
    const replica = new ApiKeyService({ store, clock });
    await replica.verify(key);
    expect(touch).toHaveBeenCalledTimes(1);

    clock.advance(LAST_USED_RESOLUTION_MS);
    await keys.verify(key);
    expect(touch).toHaveBeenCalledTimes(2);
    expect((await keys.get('team-a', item.id)).lastUsedAt).toBe(clock.now().toISOString());
  });
});
