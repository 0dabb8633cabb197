import { createHarness, validRequest } from '../__testUtils__/harness';
import { DatabaseSandboxStore } from './DatabaseSandboxStore';
import { splitAtMonths, usageKindOf } from './usageLedger';
import { mockServices } from '@backstage/backend-test-utils';

describe('splitAtMonths', () => {
  it('cuts an interval at UTC month boundaries', () => {
    expect(
      splitAtMonths(new Date('2026-11-30T22:00:00Z'), new Date('2027-01-01T01:00:00Z')).map(([a, b]) => `${a.toISOString()}..${b.toISOString()}`),
    ).toEqual([
      '2026-11-30T22:00:00.000Z..2026-12-01T00:00:00.000Z',
      '2026-12-01T00:00:00.000Z..2027-01-01T00:00:00.000Z',
      '2027-01-01T00:00:00.000Z..2027-01-01T01:00:00.000Z',
    ]);
    expect(splitAtMonths(new Date('2026-11-01T00:00:00Z'), new Date('2026-11-01T00:00:00Z'))).toEqual([]);
    expect(usageKindOf('running')).toBe('compute');
    expect(usageKindOf('stopped')).toBe('storage');
    expect(usageKindOf('failed')).toBeUndefined();
  });
});

describe('usage ledger', () => {
  it('records compute while running and storage while stopped, split at the month boundary, by cursor', async () => {
    const { service, clock, store } = await createHarness();
    clock.advance(Date.parse('2026-11-30T22:00:00Z') - clock.now().getTime());
    const s = await service.create({ ...validRequest, labels: { 'cost-center': 'cc-42' } }, 'user:default/ada');
    await service.idle(); // running at 22:00
    clock.advance(4 * 3600_000); // 02:00 on Dec 1
    await service.stop(s.id);
    await service.idle(); // stopped: compute closed, storage opened
    clock.advance(3600_000);
    await service.start(s.id);
    await service.idle(); // storage closed (1 h), compute opened
    clock.advance(30 * 60_000);
    await service.delete(s.id);
    await service.idle(); // compute closed (30 min)

    const { items, nextCursor } = await store.readUsage({ limit: 10 });
    expect(nextCursor).toBeUndefined();
    expect(items.map(r => [r.kind, r.startedAt, r.endedAt, r.durationMs])).toEqual([
      ['compute', '2026-11-30T22:00:00.000Z', '2026-12-01T00:00:00.000Z', 2 * 3600_000],
      ['compute', '2026-12-01T00:00:00.000Z', '2026-12-01T02:00:00.000Z', 2 * 3600_000],
      ['storage', '2026-12-01T02:00:00.000Z', '2026-12-01T03:00:00.000Z', 3600_000],
      ['compute', '2026-12-01T03:00:00.000Z', '2026-12-01T03:30:00.000Z', 30 * 60_000],
    ]);
    expect(items[0]).toMatchObject({
      sandboxId: s.id,
      workspace: 'team-a',
      owner: 'user:default/ada',
      template: 'python',
      costCenter: 'cc-42',
      vcpus: 0.5,
      memoryMiB: 512,
      diskGiB: 5,
      vcpuSeconds: 3600,
      memoryGiBSeconds: 3600,
      diskGiBHours: 10,
    });
    expect(items[2]).toMatchObject({ vcpus: 0, memoryMiB: 0, diskGiB: 5, diskGiBHours: 5 });

    const page = await store.readUsage({ limit: 2 });
    expect(page.nextCursor).toBe(page.items[1].id);
    const rest = await store.readUsage({ after: page.nextCursor, limit: 2 });
    expect(rest.items.map(r => r.kind)).toEqual(['storage', 'compute']);
    expect((await store.readUsage({ limit: 10, workspace: 'team-b' })).items).toEqual([]);
  });

  it('writes nothing for sandboxes that never ran, and closes intervals on failure', async () => {
    const { service, driver, store, clock, reconciler } = await createHarness();
    driver.failNext.create = 'no image';
    await service.create(validRequest, 'user:default/ada');
    await service.idle();
    expect((await store.readUsage({ limit: 10 })).items).toEqual([]);
    const s = await service.create({ ...validRequest, name: 'lost' }, 'user:default/ada');
    await service.idle();
    clock.advance(60_000);
    driver.lose(`mem-${s.id}`);
    await reconciler.reconcile();
    const { items } = await store.readUsage({ limit: 10 });
    expect(items.map(r => [r.sandboxName, r.kind, r.durationMs])).toEqual([['lost', 'compute', 60_000]]);
  });

  it('survives a restart: an interval opened before it is closed by the new process, once', async () => {
    const first = await createHarness();
    const s = await first.service.create(validRequest, 'user:default/ada');
    await first.service.idle();
    // "restart": a new store over the same database, nothing in memory
    const store2 = await DatabaseSandboxStore.create({
      database: mockServices.database({ knex: first.knex, migrations: { skip: false } }),
    });
    const at = new Date(first.clock.now().getTime() + 10 * 60_000);
    await store2.transition(s.id, ['running'], 'stopping', {}, at);
    // a replayed close (the same transition seen twice) adds nothing
    await store2.transition(s.id, ['running'], 'stopping', {}, at);
    const { items } = await store2.readUsage({ limit: 10 });
    expect(items).toHaveLength(1);
    expect(items[0].durationMs).toBe(10 * 60_000);
    expect(items[0].key).toMatch(new RegExp(`^${s.id}:\\d+:0$`));
  });
});
