import { createHarness, validRequest } from '../__testUtils__/harness';

describe('Reconciler', () => {
  it('marks a running sandbox whose container vanished as failed, with a reason', async () => {
    const { service, driver, reconciler } = await createHarness();
    const s = await service.create(validRequest, 'user:default/ada');
    await service.idle();
    driver.lose(`mem-${s.id}`);
    const report = await reconciler.reconcile();
    expect(report.lost).toEqual([s.id]);
    expect(await service.get(s.id)).toMatchObject({
      state: 'failed',
      reason: 'the runtime lost this sandbox (container or claim is gone)',
    });
  });

  it('marks a running sandbox whose container exited as failed with the runtime message', async () => {
    const { service, driver, reconciler } = await createHarness();
    const s = await service.create(validRequest, 'user:default/ada');
    await service.idle();
    const inst = driver.instances.get(`mem-${s.id}`)!;
    inst.status = 'failed';
    inst.message = 'out of memory';
    await reconciler.reconcile();
    expect((await service.get(s.id)).reason).toBe('the sandbox stopped unexpectedly: out of memory');
  });

  it('fails a stopped sandbox whose runtime is gone', async () => {
    const { service, driver, reconciler } = await createHarness();
    const s = await service.create(validRequest, 'user:default/ada');
    await service.idle();
    await service.stop(s.id);
    await service.idle();
    driver.lose(`mem-${s.id}`);
    expect((await reconciler.reconcile()).lost).toEqual([s.id]);
    expect((await service.get(s.id)).state).toBe('failed');
  });

  it('removes labelled containers that no live sandbox owns, including deleted ones', async () => {
    const { service, driver, reconciler, logger } = await createHarness();
    driver.addOrphan('ghost');
    const keep = await service.create(validRequest, 'user:default/ada');
    await service.idle();
    const report = await reconciler.reconcile();
    expect(report.orphansRemoved).toEqual(['mem-ghost']);
    expect([...driver.instances.keys()]).toEqual([`mem-${keep.id}`]);
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('no live sandbox owns it (sandbox id ghost)'));
  });

  it('re-provisions a sandbox left in provisioning by a crashed backend, from a clean runtime', async () => {
    const { service, store, driver, reconciler, clock } = await createHarness();
    const s = await service.create(validRequest, 'user:default/ada');
    await service.idle();
    // simulate: the row says provisioning (crash before running), a half-made container exists
    await store.transition(s.id, ['running'], 'failed', {}, clock.now());
    await store.transition(s.id, ['failed'], 'provisioning', {}, clock.now());
    await (store as any).db('sandboxes').where({ id: s.id }).update({ external_id: null });
    expect((await reconciler.reconcile()).resumed).toEqual([]); // not stale yet
    clock.advance(61_000);
    const report = await reconciler.reconcile();
    expect(report.resumed).toEqual([s.id]);
    await service.idle();
    const got = await service.get(s.id);
    expect(got.state).toBe('running');
    expect(got.transitions.map(t => t.to).slice(-3)).toEqual(['failed', 'provisioning', 'running']);
    expect(driver.calls).toContain(`remove:mem-${s.id}`);
    expect(driver.instances.size).toBe(1);
  });

  it('finishes interrupted stops and deletes', async () => {
    const { service, store, driver, reconciler, clock } = await createHarness();
    const a = await service.create({ ...validRequest, name: 'a' }, 'user:default/ada');
    const b = await service.create({ ...validRequest, name: 'b' }, 'user:default/ada');
    await service.idle();
    await store.transition(a.id, ['running'], 'stopping', {}, clock.now());
    await store.transition(b.id, ['running'], 'deleting', {}, clock.now());
    clock.advance(120_000);
    const report = await reconciler.reconcile();
    expect(report.resumed.sort()).toEqual([a.id, b.id].sort());
    await service.idle();
    expect((await service.get(a.id)).state).toBe('stopped');
    expect((await service.get(b.id)).state).toBe('deleted');
    expect(driver.instances.has(`mem-${b.id}`)).toBe(false);
  });

  it('stops sandboxes whose TTL expired or that sat idle, and leaves fresh ones alone', async () => {
    const { service, reconciler, clock } = await createHarness();
    const ttl = await service.create({ ...validRequest, name: 'ttl', ttlSeconds: 60 }, 'user:default/ada');
    const idle = await service.create({ ...validRequest, name: 'idle', idleTimeoutSeconds: 30 }, 'user:default/ada');
    const busy = await service.create({ ...validRequest, name: 'busy', idleTimeoutSeconds: 50 }, 'user:default/ada');
    await service.idle();
    clock.advance(20_000);
    expect((await reconciler.reconcile()).autoStopped).toEqual([]);
    await service.exec(busy.id, { command: ['echo'], timeoutSeconds: 1 });
    clock.advance(41_000);
    const report = await reconciler.reconcile();
    expect(report.autoStopped.sort()).toEqual([ttl.id, idle.id].sort());
    await service.idle();
    expect(await service.get(ttl.id)).toMatchObject({ state: 'stopped' });
    expect((await service.get(ttl.id)).transitions.at(-2)).toMatchObject({ to: 'stopping', reason: 'TTL of 60s expired' });
    expect((await service.get(idle.id)).transitions.at(-2)?.reason).toBe('idle for more than 30s');
    expect((await service.get(busy.id)).state).toBe('running');
  });
});
