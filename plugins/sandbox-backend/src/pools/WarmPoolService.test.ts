import { Registry } from 'prom-client';
import { ConfigReader } from '@backstage/config';
import { createHarness, validRequest } from '../__testUtils__/harness';
import { SANDBOX_LABELS } from '../drivers/types';
import { Reconciler } from '../service/Reconciler';
import { SandboxService } from '../service/SandboxService';
import { DEFAULT_TEMPLATES } from '../service/readTemplates';
import { WarmPoolConfig, readWarmPools } from './config';
import { DatabaseWarmPoolStore } from './DatabaseWarmPoolStore';
import { WarmPoolMetrics } from './metrics';
import { WarmPoolService } from './WarmPoolService';

const ADA = 'user:default/ada';
const templates = { ...DEFAULT_TEMPLATES, custom: { image: 'my/image:1', env: { FROM_TEMPLATE: 'yes' } } };

async function poolHarness(pools: WarmPoolConfig[] = [{ template: 'python', min: 2, max: 4, refillPerMinute: 10, size: 'small' }]) {
  const h = await createHarness();
  const poolStore = new DatabaseWarmPoolStore(h.knex);
  const registry = new Registry();
  const metrics = new WarmPoolMetrics(registry);
  metrics.sizeFrom(() => poolStore.counts());
  const warm = new WarmPoolService({
    pools,
    templates,
    store: poolStore,
    sandboxes: h.store,
    driver: h.driver,
    clock: h.clock,
    logger: h.logger,
    metrics,
  });
  const service = new SandboxService({
    store: h.store,
    driver: h.driver,
    clock: h.clock,
    logger: h.logger,
    templates,
    appBaseUrl: 'http://portal.test/',
    quotaLimits: async ws => (await h.workspaceStore.getQuota(ws)).limits,
    warmPool: warm,
  });
  const reconciler = new Reconciler({
    store: h.store,
    driver: h.driver,
    service,
    clock: h.clock,
    logger: h.logger,
    staleAfterSeconds: 60,
    ownsRuntime: i => warm.ownsRuntime(i),
  });
  const metric = async (name: string, labels: Record<string, string>) => {
    const m = (await registry.getSingleMetric(name)!.get()).values.find(v =>
      Object.entries(labels).every(([k, val]) => v.labels[k] === val),
    );
    return m?.value ?? 0;
  };
  /**
   * The invariant after any crash: every pool-labelled runtime resource is either an unclaimed
   * member in the pool table or owned by exactly one live sandbox row.
   */
  const assertNoLeaks = async () => {
    const members = await poolStore.list();
    const rows = await h.knex('sandboxes').whereNot('state', 'deleted');
    for (const instance of await h.driver.list()) {
      if (instance.labels[SANDBOX_LABELS.pool] === undefined) continue;
      const inPool = members.some(m => m.id === instance.sandboxId && m.state !== 'claimed');
      const owners = rows.filter(r => r.external_id === instance.externalId).length;
      expect({ id: instance.externalId, accounted: (inPool ? 1 : 0) + owners }).toEqual({ id: instance.externalId, accounted: 1 });
    }
  };
  return { ...h, service, warm, poolStore, reconciler, metric, assertNoLeaks };
}

describe('WarmPoolService', () => {
  it('fills a pool with started, unmetered members that belong to no workspace', async () => {
    const { warm, poolStore, driver, knex } = await poolHarness();
    const report = await warm.refill();
    expect(report.created).toHaveLength(2);
    const members = await poolStore.list('python');
    expect(members.map(m => m.state)).toEqual(['ready', 'ready']);
    const instance = await driver.inspect(members[0].externalId!);
    expect(instance).toMatchObject({ status: 'running', sandboxId: members[0].id });
    expect(instance!.labels).toMatchObject({ 'portal.sandbox/pool': 'python', 'portal.sandbox/template': 'python' });
    expect(driver.instances.get(members[0].externalId!)!.spec).toMatchObject({ workspace: '', owner: '', image: 'portal-sandbox/python:latest' });
    expect(await knex('sandboxes').count({ n: '*' })).toEqual([{ n: 0 }]);
    expect(await knex('usage_open').count({ n: '*' })).toEqual([{ n: 0 }]);
    // full: the next run creates nothing
    expect((await warm.refill()).created).toEqual([]);
  });

  it('claims a member on create: running at once, quota charged, usage opened at the claim, labels and owner in the row', async () => {
    const { warm, service, poolStore, knex, clock, workspaceStore, metric } = await poolHarness();
    await warm.refill();
    const [first] = await poolStore.list('python');
    clock.advance(3_600_000); // an hour in the pool is never billed
    const claimedAt = clock.now();
    const s = await service.create({ ...validRequest, labels: { team: 'a' } }, ADA);
    expect(s).toMatchObject({ state: 'running', externalId: first.externalId, owner: ADA, workspace: 'team-a', labels: { team: 'a' } });
    expect(s.startedAt).toBe(claimedAt.toISOString());
    expect((await service.get(s.id)).transitions).toEqual([
      { from: null, to: 'running', at: claimedAt.toISOString(), reason: "claimed from the warm pool of template 'python'" },
    ]);
    const open = await knex('usage_open').where({ sandbox_id: s.id });
    expect(open).toHaveLength(1);
    expect(new Date(open[0].started_at).getTime()).toBe(claimedAt.getTime());
    expect((await workspaceStore.getQuota('team-a')).usage).toMatchObject({ sandboxes: 1, vcpus: 0.5 });
    expect(await poolStore.get(first.id)).toMatchObject({ state: 'claimed', sandboxId: s.id });
    expect(await service.exec(s.id, { command: ['echo', 'hi'], timeoutSeconds: 5 })).toMatchObject({ stdout: 'hi\n' });
    expect(await metric('sandbox_warm_pool_hits_total', { template: 'python' })).toBe(1);
    expect(await metric('sandbox_warm_pool_size', { template: 'python', state: 'ready' })).toBe(1);

    // stop closes an interval that starts at the claim
    clock.advance(60_000);
    await service.stop(s.id);
    await service.idle();
    const [record] = (await service.usage({ limit: 10 })).items;
    expect(record).toMatchObject({ sandboxId: s.id, kind: 'compute', startedAt: claimedAt.toISOString(), durationMs: 60_000 });
  });

  it('falls back to a cold create when the pool is empty or the request does not fit a member', async () => {
    const { warm, service, driver, metric } = await poolHarness([{ template: 'python', min: 1, max: 1, refillPerMinute: 10, size: 'small' }]);
    await warm.refill();
    const hit = await service.create({ ...validRequest, name: 'a' }, ADA);
    expect(hit.state).toBe('running');
    const empty = await service.create({ ...validRequest, name: 'b' }, ADA);
    expect(empty.state).toBe('pending');
    await warm.refill();
    const sized = await service.create({ ...validRequest, name: 'c', size: 'medium' }, ADA);
    const env = await service.create({ ...validRequest, name: 'd', env: { X: '1' } }, ADA);
    const net = await service.create({ ...validRequest, name: 'e', network: true }, ADA);
    const image = await service.create({ ...validRequest, name: 'f', image: 'other:1' }, ADA);
    const unpooled = await service.create({ ...validRequest, name: 'g', template: 'node' }, ADA);
    for (const s of [sized, env, net, image, unpooled]) expect(s.state).toBe('pending');
    await service.idle();
    expect((await service.get(empty.id)).externalId).toBe(`mem-${empty.id}`);
    expect(await metric('sandbox_warm_pool_misses_total', { template: 'python', reason: 'empty' })).toBe(1);
    expect(await metric('sandbox_warm_pool_misses_total', { template: 'python', reason: 'incompatible' })).toBe(4);
    expect(driver.calls.filter(c => c.startsWith('create:wp'))).toHaveLength(2);
  });

  it('clones the repo after the claim, and a failed clone removes the member so a start builds it cold', async () => {
    const { warm, service, driver, poolStore } = await poolHarness();
    await warm.refill();
    const repo = { url: 'https://git.example.com/a.git' };
    const s = await service.create({ ...validRequest, repo }, ADA);
    expect(s.state).toBe('provisioning');
    await service.idle();
    const got = await service.get(s.id);
    expect(got.state).toBe('running');
    expect(driver.instances.get(got.externalId!)!.files.get('/workspace/.git/HEAD')).toBe('cloned from https://git.example.com/a.git');
    expect(driver.calls).toContain(`clone:${got.externalId}`);

    driver.failNext.clone = 'git clone of https://git.example.com/b.git failed: not found';
    const [next] = (await poolStore.list('python')).filter(m => m.state === 'ready');
    const bad = await service.create({ ...validRequest, name: 'bad', repo: { url: 'https://git.example.com/b.git' } }, ADA);
    await service.idle();
    expect(await service.get(bad.id)).toMatchObject({ state: 'failed', reason: 'git clone of https://git.example.com/b.git failed: not found' });
    expect(await driver.inspect(next.externalId!)).toBeUndefined();
    await service.start(bad.id);
    await service.idle();
    const restarted = await service.get(bad.id);
    expect(restarted).toMatchObject({ state: 'running', externalId: `mem-${bad.id}` });
  });

  it('rolls a failed claim back: quota, name conflict or a crash inside the transaction leave the member in the pool', async () => {
    const { warm, service, poolStore, workspaceStore, clock, knex } = await poolHarness([{ template: 'python', min: 1, max: 1, refillPerMinute: 10, size: 'small' }]);
    await warm.refill();
    const [member] = await poolStore.list('python');
    await service.create({ ...validRequest, template: 'node', name: 'box' }, ADA);
    await expect(service.create(validRequest, ADA)).rejects.toThrow("A sandbox named 'box' already exists in workspace 'team-a'");
    expect(await poolStore.get(member.id)).toMatchObject({ state: 'ready' });

    await workspaceStore.setOverrides('team-a', { maxSandboxes: 1 }, ADA, clock.now());
    await expect(service.create({ ...validRequest, name: 'two' }, ADA)).rejects.toThrow(/Quota exceeded in workspace 'team-a': sandboxes/);
    expect(await poolStore.get(member.id)).toMatchObject({ state: 'ready' });
    await workspaceStore.setOverrides('team-a', {}, ADA, clock.now());

    // the backend dies after the member was taken, before the transaction commits
    const take = poolStore.take.bind(poolStore);
    jest.spyOn(poolStore, 'take').mockImplementationOnce(async (tx, claim) => {
      expect(await take(tx, claim)).toBe(member.externalId);
      throw new Error('process killed');
    });
    await expect(service.create({ ...validRequest, name: 'three' }, ADA)).rejects.toThrow('process killed');
    expect(await poolStore.get(member.id)).toMatchObject({ state: 'ready', externalId: member.externalId });
    expect(await knex('sandboxes').where({ name: 'three' })).toEqual([]);
    await service.idle();
  });

  it('hands each member out once under concurrent creates', async () => {
    const { warm, service, assertNoLeaks } = await poolHarness([{ template: 'python', min: 3, max: 3, refillPerMinute: 10, size: 'small' }]);
    await warm.refill();
    const created = await Promise.all(
      Array.from({ length: 6 }, (_, i) => service.create({ ...validRequest, name: `c${i}` }, ADA)),
    );
    const hits = created.filter(s => s.state === 'running');
    expect(hits).toHaveLength(3);
    expect(new Set(hits.map(s => s.externalId)).size).toBe(3);
    await service.idle();
    await assertNoLeaks();
  });

  it('refills within refillPerMinute and max, grows under demand, and replaces unhealthy or outdated members', async () => {
    const { warm, service, poolStore, driver, clock, logger } = await poolHarness([{ template: 'python', min: 2, max: 3, refillPerMinute: 3, size: 'small' }]);
    expect((await warm.refill()).created).toHaveLength(2);
    await service.create({ ...validRequest, name: 'a' }, ADA);
    await service.create({ ...validRequest, name: 'b' }, ADA);
    // demand: target min + claims in the last minute, capped at max; the rate allows 1 more this minute
    expect((await warm.refill()).created).toHaveLength(1);
    clock.advance(61_000);
    expect((await warm.refill()).created).toHaveLength(1); // claims are older than a minute: back to min
    expect((await poolStore.list('python')).filter(m => m.state === 'ready')).toHaveLength(2);

    const [lost, stopped] = (await poolStore.list('python')).filter(m => m.state === 'ready');
    driver.lose(lost.externalId!);
    driver.instances.get(stopped.externalId!)!.status = 'stopped';
    const report = await warm.refill();
    expect(report.replaced.sort()).toEqual([lost.id, stopped.id].sort());
    expect(report.created).toHaveLength(2);
    expect(await driver.inspect(stopped.externalId!)).toBeUndefined();
    expect(logger.info).toHaveBeenCalledWith(expect.stringContaining('warm pools: created 2, replaced 2'));

    driver.failNext.create = 'image missing';
    driver.lose((await poolStore.list('python')).filter(m => m.state === 'ready')[0].externalId!);
    clock.advance(61_000);
    const failed = await warm.refill();
    expect(failed.createFailed).toHaveLength(1);
    expect(failed.created).toHaveLength(0); // the deficit was one member, and its create failed
    expect((await poolStore.list('python')).filter(m => m.state !== 'claimed')).toHaveLength(1);
  });

  it('replaces members built from an outdated spec and removes pools that are no longer configured', async () => {
    const h = await poolHarness([{ template: 'python', min: 1, max: 1, refillPerMinute: 10, size: 'small' }]);
    await h.warm.refill();
    const [old] = await h.poolStore.list('python');
    const resized = new WarmPoolService({
      pools: [{ template: 'python', min: 1, max: 1, refillPerMinute: 10, size: 'medium' }],
      templates, store: h.poolStore, sandboxes: h.store, driver: h.driver, clock: h.clock, logger: h.logger,
    });
    const report = await resized.refill();
    expect(report.replaced).toEqual([old.id]);
    expect(report.created).toHaveLength(1);
    const none = new WarmPoolService({ pools: [], templates, store: h.poolStore, sandboxes: h.store, driver: h.driver, clock: h.clock, logger: h.logger });
    expect((await none.refill()).removed).toHaveLength(1);
    expect(h.driver.instances.size).toBe(0);
    expect(await none.refill()).toEqual({ created: [], createFailed: [], replaced: [], adopted: [], removed: [] });
  });

  it('recovers from a backend killed during a refill: nothing leaks, nothing is handed out twice', async () => {
    const { warm, poolStore, driver, clock, reconciler, service, assertNoLeaks } = await poolHarness([{ template: 'python', min: 0, max: 3, refillPerMinute: 10, size: 'small' }]);
    // kill 1: after writing the row, before the runtime made anything
    await poolStore.insertCreating({ id: 'wpdead1', template: 'python', specKey: (warm as any).pools.get('python').specKey, createdAt: clock.now() });
    // kill 2: after the runtime made the member, before it was marked ready
    await poolStore.insertCreating({ id: 'wpdead2', template: 'python', specKey: (warm as any).pools.get('python').specKey, createdAt: clock.now() });
    await driver.create(warm.memberSpec({ template: 'python', min: 0, max: 3, refillPerMinute: 10, size: 'small' }, 'wpdead2'));
    // kill 3: a member whose row never made it (or was lost): only the runtime has it
    await driver.create(warm.memberSpec({ template: 'python', min: 0, max: 3, refillPerMinute: 10, size: 'small' }, 'wpghost'));

    // young leftovers may still be in the making elsewhere: the reconciler keeps rows' members
    const early = await reconciler.reconcile();
    expect(early.orphansRemoved).toEqual(['mem-wpghost']);
    expect((await warm.refill()).adopted).toEqual([]);
    expect(await driver.inspect('mem-wpdead2')).toBeDefined();

    clock.advance(5 * 60_000);
    const report = await warm.refill();
    expect(report.adopted).toEqual(['wpdead2']);
    expect(report.removed).toEqual(['wpdead1']);
    expect(await poolStore.get('wpdead1')).toBeUndefined();
    expect(await poolStore.get('wpdead2')).toMatchObject({ state: 'ready', externalId: 'mem-wpdead2' });
    await assertNoLeaks();

    // the adopted member serves a claim, and the reconciler finds the claimed sandbox by its handle
    const s = await service.create(validRequest, ADA);
    expect(s.externalId).toBe('mem-wpdead2');
    const after = await reconciler.reconcile();
    expect(after).toMatchObject({ lost: [], orphansRemoved: [] });
    expect((await service.get(s.id)).state).toBe('running');
    await assertNoLeaks();

    // a creating row whose runtime is not running (or is ambiguous) is removed with it
    await poolStore.insertCreating({ id: 'wpdead3', template: 'python', specKey: 'x', createdAt: clock.now() });
    await driver.create(warm.memberSpec({ template: 'python', min: 0, max: 3, refillPerMinute: 10, size: 'small' }, 'wpdead3'));
    clock.advance(5 * 60_000);
    expect((await warm.refill()).removed).toEqual(['wpdead3']);
    expect(await driver.inspect('mem-wpdead3')).toBeUndefined();

    // deleting the claimed sandbox removes its runtime; the reconciler has nothing left to reap
    await service.delete(s.id);
    await service.idle();
    expect(await driver.inspect('mem-wpdead2')).toBeUndefined();
    expect(await warm.drain('python')).toEqual([]);
  });

  it('asks the reconciler to keep only pool resources someone accounts for', async () => {
    const { warm, poolStore, driver, knex } = await poolHarness();
    await warm.refill();
    const [member] = await poolStore.list('python');
    const instance = (await driver.inspect(member.externalId!))!;
    expect(await warm.ownsRuntime(instance)).toBe(true);
    expect(await warm.ownsRuntime({ ...instance, labels: {} })).toBe(false);
    // claimed by a row that committed after the reconciler read the rows
    await knex('sandbox_warm_pool').where({ id: member.id }).update({ state: 'claimed' });
    expect(await warm.ownsRuntime(instance)).toBe(false);
    await knex('sandboxes').insert({
      id: 'x', name: 'x', workspace: 'team-a', owner: ADA, template: 'python', image: 'i', size_name: 'small', size: '{}',
      env: '{}', labels: '{}', state: 'running', driver: 'memory', external_id: member.externalId, live_name: 'x',
      created_at: new Date(), updated_at: new Date(),
    });
    expect(await warm.ownsRuntime(instance)).toBe(true);
    expect(await warm.drain('python')).toHaveLength(1);
  });
});

describe('readWarmPools', () => {
  const read = (warmPools: any, driver = 'docker') =>
    readWarmPools(new ConfigReader({ sandbox: { warmPools } }), { templates, driver });

  it('reads pools with defaults', () => {
    expect(read([{ template: 'base' }, { template: 'python', min: 2, max: 5, refillPerMinute: 12, size: 'medium' }])).toEqual([
      { template: 'base', min: 1, max: 1, refillPerMinute: 30, size: 'small' },
      { template: 'python', min: 2, max: 5, refillPerMinute: 12, size: 'medium' },
    ]);
    expect(readWarmPools(new ConfigReader({}), { templates, driver: 'kubernetes' })).toEqual([]);
  });

  it('rejects bad entries naming the field, and the kubernetes driver', () => {
    expect(() => read([{ template: 'base' }], 'kubernetes')).toThrow(/not supported with the kubernetes driver/);
    expect(() => read([{ template: 'nope' }])).toThrow("sandbox.warmPools[0].template: unknown template 'nope'");
    expect(() => read([{ template: 'base' }, { template: 'base' }])).toThrow('sandbox.warmPools[1].template: template \'base\' has more than one pool');
    expect(() => read([{ template: 'base', min: 3, max: 2 }])).toThrow('sandbox.warmPools[0].max: must be >= min (3), got 2');
    expect(() => read([{ template: 'base', min: -1 }])).toThrow('sandbox.warmPools[0].min: must be a whole number >= 0, got -1');
    expect(() => read([{ template: 'base', refillPerMinute: 0.5 }])).toThrow('refillPerMinute: must be a whole number >= 1');
    expect(() => read([{ template: 'base', size: 'huge' }])).toThrow('sandbox.warmPools[0].size: must be one of small, medium, large');
  });
});

it('refuses a store without claims', () => {
  expect(
    () =>
      new WarmPoolService({
        pools: [{ template: 'base', min: 1, max: 1, refillPerMinute: 1, size: 'small' }],
        templates,
        store: {} as any,
        sandboxes: { insert: async () => undefined } as any,
        driver: {} as any,
        clock: { now: () => new Date() },
        logger: { info() {}, warn() {} } as any,
      }),
  ).toThrow('insertClaimed');
});
