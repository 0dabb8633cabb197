import { mockServices } from '@backstage/backend-test-utils';
import { SANDBOX_SIZES } from '@internal/plugin-sandbox-common';
import { createTestDatabases } from '../__testUtils__/databases';
import { DatabaseSandboxStore } from './DatabaseSandboxStore';
import { SandboxRecord } from './SandboxStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();

function record(overrides: Partial<SandboxRecord> = {}): SandboxRecord {
  const at = new Date('2026-11-01T10:00:00.000Z');
  return {
    id: `id-${Math.random().toString(16).slice(2, 10)}`,
    name: 'box',
    workspace: 'team-a',
    owner: 'user:default/ada',
    template: 'python',
    image: 'portal-sandbox/python:latest',
    size: SANDBOX_SIZES.small,
    env: { A: '1' },
    repo: { url: 'https://git.example.com/a.git', ref: 'main' },
    network: false,
    ttlSeconds: 3600,
    idleTimeoutSeconds: null,
    labels: { team: 'a' },
    state: 'pending',
    driver: 'memory',
    createdAt: at,
    updatedAt: at,
    expiresAt: new Date(at.getTime() + 3600_000),
    ...overrides,
  };
}

describe.each(databases.eachSupportedId())('DatabaseSandboxStore (%s)', databaseId => {
  let store: DatabaseSandboxStore;
  let knex: Awaited<ReturnType<typeof databases.init>>;

  beforeAll(async () => {
    knex = await databases.init(databaseId);
    store = await DatabaseSandboxStore.create({
      database: mockServices.database({ knex, migrations: { skip: false } }),
    });
  });

  beforeEach(async () => {
    for (const name of ['team-a', 'team-b']) {
      await knex('workspaces').insert({ name, title: name, plan: 'enterprise', created_at: new Date(), created_by: 'test' });
    }
  });

  afterEach(async () => {
    await knex('sandbox_transitions').delete();
    await knex('sandboxes').delete();
    await knex('audit_events').delete();
    await knex('workspace_quota_overrides').delete();
    await knex('workspace_members').delete();
    await knex('workspaces').delete();
  });

  it('round-trips a sandbox with its JSON fields and dates', async () => {
    const r = record();
    await store.insert(r);
    const got = await store.get(r.id);
    expect(got).toEqual({ ...r, reason: undefined, ownerGroup: undefined, externalId: undefined, startedAt: undefined, lastActivityAt: undefined });
    expect(await store.get('nope')).toBeUndefined();
    expect(await store.transitions(r.id)).toEqual([
      { from: null, to: 'pending', at: '2026-11-01T10:00:00.000Z' },
    ]);
  });

  it('rejects a second live sandbox with the same name in a workspace, allows it elsewhere and after deletion', async () => {
    const first = record({ name: 'dup' });
    await store.insert(first);
    await expect(store.insert(record({ name: 'dup' }))).rejects.toThrow(
      "A sandbox named 'dup' already exists in workspace 'team-a'",
    );
    await store.insert(record({ name: 'dup', workspace: 'team-b' }));
    await store.transition(first.id, ['pending'], 'deleting', {}, new Date());
    await store.transition(first.id, ['deleting'], 'deleted', {}, new Date());
    await expect(store.insert(record({ name: 'dup' }))).resolves.toBeUndefined();
  });

  it('moves state by compare-and-set and records every transition', async () => {
    const r = record();
    await store.insert(r);
    const t1 = new Date('2026-11-01T10:00:01.000Z');
    const moved = await store.transition(r.id, ['pending'], 'provisioning', { reason: null }, t1);
    expect(moved?.state).toBe('provisioning');
    expect(moved?.updatedAt).toEqual(t1);
    // a second actor that still believes it is pending loses
    expect(await store.transition(r.id, ['pending'], 'failed', { reason: 'x' }, t1)).toBeUndefined();
    const t2 = new Date('2026-11-01T10:00:02.000Z');
    const running = await store.transition(r.id, ['provisioning'], 'running', { externalId: 'c-1', startedAt: t2, lastActivityAt: t2 }, t2);
    expect(running).toMatchObject({ state: 'running', externalId: 'c-1', startedAt: t2, lastActivityAt: t2 });
    const failed = await store.transition(r.id, ['running'], 'failed', { reason: 'oom' }, t2);
    expect(failed?.reason).toBe('oom');
    expect((await store.transitions(r.id)).map(t => `${t.from}->${t.to}${t.reason ? `(${t.reason})` : ''}`)).toEqual([
      'null->pending',
      'pending->provisioning',
      'provisioning->running',
      'running->failed(oom)',
    ]);
    expect(await store.transition('missing', ['pending'], 'running', {}, t2)).toBeUndefined();
  });

  it('lets exactly one of many concurrent transitions win', async () => {
    const r = record();
    await store.insert(r);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => store.transition(r.id, ['pending'], 'provisioning', {}, new Date())),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.transitions(r.id)).toHaveLength(2);
  });

  it('lists with filters, hides deleted rows and pages by cursor, newest first', async () => {
    const base = Date.parse('2026-11-01T10:00:00.000Z');
    for (let i = 0; i < 5; i++) {
      await store.insert(record({ id: `s${i}`, name: `box-${i}`, createdAt: new Date(base + i * 1000), owner: i % 2 ? 'user:default/bob' : 'user:default/ada' }));
    }
    await store.insert(record({ id: 'other', name: 'x', workspace: 'team-b', createdAt: new Date(base) }));
    await store.transition('s0', ['pending'], 'deleting', {}, new Date());
    await store.transition('s0', ['deleting'], 'deleted', {}, new Date());

    const p1 = await store.list({ workspace: 'team-a', limit: 2 });
    expect(p1.items.map(i => i.id)).toEqual(['s4', 's3']);
    expect(p1.totalCount).toBe(4);
    const p2 = await store.list({ workspace: 'team-a', limit: 2, cursor: p1.nextCursor });
    expect(p2.items.map(i => i.id)).toEqual(['s2', 's1']);
    expect(p2.nextCursor).toBeUndefined();

    expect((await store.list({ owner: 'user:default/bob', limit: 10 })).items.map(i => i.id)).toEqual(['s3', 's1']);
    expect((await store.list({ state: 'deleted', limit: 10 })).items.map(i => i.id)).toEqual(['s0']);
    expect((await store.list({ states: ['pending'], limit: 10, workspace: 'team-b' })).items.map(i => i.id)).toEqual(['other']);
    await expect(store.list({ limit: 1, cursor: 'garbage' })).rejects.toThrow('cursor: not a cursor returned by this API');
  });

  it('records activity', async () => {
    const r = record();
    await store.insert(r);
    const at = new Date('2026-11-02T00:00:00.000Z');
    await store.touch(r.id, at);
    expect((await store.get(r.id))?.lastActivityAt).toEqual(at);
  });
});
