import { createHarness, validRequest } from '../__testUtils__/harness';
import { lockAndReadQuota } from '../database/quota';
import type { ParsedCreateSandboxRequest } from '@internal/plugin-sandbox-common';
import { TOUCH_INTERVAL_MS } from './SandboxService';

async function running(
  h: Awaited<ReturnType<typeof createHarness>>,
  request: Partial<ParsedCreateSandboxRequest> = {},
) {
  const s = await h.service.create(
    { ...validRequest, ...request },
    'user:default/ada',
  );
  await h.service.idle();
  return s;
}

describe('pause / resume', () => {
  it('pauses and resumes through pausing / resuming, keeping the workspace files, with events', async () => {
    const h = await createHarness();
    const s = await running(h);
    h.driver.instances
      .get(`mem-${s.id}`)!
      .files.set('/workspace/notes.txt', 'kept');

    const paused = await h.service.pause(s.id);
    expect(paused.state).toBe('paused');
    expect((await h.driver.inspect(`mem-${s.id}`))?.status).toBe('paused');
    await expect(
      h.service.exec(s.id, {
        command: ['echo', 'x'],
        env: {},
        timeoutSeconds: 5,
      }),
    ).rejects.toThrow("Sandbox 'box' is paused");
    await expect(h.service.pause(s.id)).rejects.toThrow(
      "Sandbox 'box' is paused; only running sandboxes can be paused",
    );

    const resumed = await h.service.resume(s.id);
    expect(resumed.state).toBe('running');
    await expect(h.service.resume(s.id)).rejects.toThrow(
      "Sandbox 'box' is running; only paused sandboxes can be resumed",
    );
    const cat = await h.service.exec(s.id, {
      command: ['cat', '/workspace/notes.txt'],
      env: {},
      timeoutSeconds: 5,
    });
    expect(cat.stdout).toBe('kept');

    const got = await h.service.get(s.id);
    expect(got.transitions.map(t => t.to)).toEqual([
      'pending',
      'provisioning',
      'running',
      'pausing',
      'paused',
      'resuming',
      'running',
    ]);
    expect(
      h.published
        .filter(p => p.sandboxId === s.id)
        .map(p => p.state)
        .slice(3),
    ).toEqual(['pausing', 'paused', 'resuming', 'running']);
    expect(h.driver.calls).toEqual(
      expect.arrayContaining([`pause:mem-${s.id}`, `resume:mem-${s.id}`]),
    );
  });

  it('goes back to running when the driver cannot pause, and stays paused when it cannot resume', async () => {
    const h = await createHarness();
    const s = await running(h);
    h.driver.failNext.pause = 'freezer busy';
    await expect(h.service.pause(s.id)).rejects.toThrow('freezer busy');
    let got = await h.service.get(s.id);
    expect(got).toMatchObject({
      state: 'running',
      reason: 'pause failed: freezer busy',
    });

    await h.service.pause(s.id);
    h.driver.failNext.resume = 'thaw failed';
    await expect(h.service.resume(s.id)).rejects.toThrow('thaw failed');
    got = await h.service.get(s.id);
    expect(got).toMatchObject({
      state: 'paused',
      reason: 'resume failed: thaw failed',
    });

    // the runtime lost it: a failed resume is a failed sandbox
    h.driver.failNext.resume = 'no such container';
    h.driver.lose(`mem-${s.id}`);
    await expect(h.service.resume(s.id)).rejects.toThrow('no such container');
    expect((await h.service.get(s.id)).state).toBe('failed');
  });

  it('stops and deletes a paused sandbox', async () => {
    const h = await createHarness();
    const s = await running(h);
    await h.service.pause(s.id);
    expect((await h.service.stop(s.id)).state).toBe('stopping');
    await h.service.idle();
    expect((await h.service.get(s.id)).state).toBe('stopped');
    await expect(h.service.pause(s.id)).rejects.toThrow(
      'only running sandboxes can be paused',
    );

    const t = await running(h, { name: 'other' });
    await h.service.pause(t.id);
    expect((await h.service.delete(t.id)).state).toBe('deleting');
    await h.service.idle();
    expect((await h.service.get(t.id)).state).toBe('deleted');
    expect(h.driver.instances.has(`mem-${t.id}`)).toBe(false);
  });

  it('refuses to pause when the driver has no pause support', async () => {
    const h = await createHarness();
    const s = await running(h);
    (h.driver as any).pause = undefined;
    await expect(h.service.pause(s.id)).rejects.toThrow(
      'The memory driver cannot pause sandboxes',
    );
    expect((await h.service.get(s.id)).state).toBe('running');
  });

  it('keeps counting a paused sandbox against the vCPU and memory quota', async () => {
    const h = await createHarness();
    const s = await running(h);
    const before = await h.knex.transaction(tx =>
      lockAndReadQuota(tx, 'team-a'),
    );
    await h.service.pause(s.id);
    const paused = await h.knex.transaction(tx =>
      lockAndReadQuota(tx, 'team-a'),
    );
    expect(paused.usage).toEqual(before.usage);
    expect(paused.usage).toMatchObject({
      sandboxes: 1,
      vcpus: 0.5,
      memoryMiB: 512,
      diskGiB: 5,
    });
  });
});

describe('usage while paused', () => {
  it('meters paused time as storage only, split at the month boundary, and compute again after resume', async () => {
    const h = await createHarness();
    h.clock.advance(
      Date.parse('2026-11-30T23:00:00Z') - h.clock.now().getTime(),
    );
    const s = await running(h);
    h.clock.advance(30 * 60_000); // 23:30
    await h.service.pause(s.id);
    h.clock.advance(2 * 3600_000); // 01:30 on Dec 1
    await h.service.resume(s.id);
    h.clock.advance(15 * 60_000);
    await h.service.delete(s.id);
    await h.service.idle();

    const { items } = await h.store.readUsage({ limit: 10 });
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
        '2026-11-30T23:00:00.000Z',
        '2026-11-30T23:30:00.000Z',
        0.5,
        512,
        5,
      ],
      [
        'storage',
        '2026-11-30T23:30:00.000Z',
        '2026-12-01T00:00:00.000Z',
        0,
        0,
        5,
      ],
      [
        'storage',
        '2026-12-01T00:00:00.000Z',
        '2026-12-01T01:30:00.000Z',
        0,
        0,
        5,
      ],
      [
        'compute',
        '2026-12-01T01:30:00.000Z',
        '2026-12-01T01:45:00.000Z',
        0.5,
        512,
        5,
      ],
    ]);
    expect(items[2]).toMatchObject({
      vcpuSeconds: 0,
      memoryGiBSeconds: 0,
      diskGiBHours: 7.5,
    });
  });
});

describe('touch', () => {
  it('writes the last-activity time at most every 10 s per sandbox', async () => {
    const h = await createHarness();
    const s = await running(h);
    const spy = jest.spyOn(h.store, 'touch');
    await h.service.touch(s.id);
    await h.service.touch(s.id);
    h.clock.advance(TOUCH_INTERVAL_MS - 1);
    await h.service.touch(s.id);
    expect(spy).toHaveBeenCalledTimes(1);
    h.clock.advance(1);
    await h.service.touch(s.id);
    expect(spy).toHaveBeenCalledTimes(2);
    expect((await h.service.getRecord(s.id)).lastActivityAt).toEqual(
      h.clock.now(),
    );
  });
});

describe('idle auto-pause (reconciler)', () => {
  const templates = {
    agent: { image: 'portal-sandbox/base:latest', idlePauseSeconds: 600 },
  };

  it("pauses a running sandbox idle longer than its template's idle time; activity postpones it", async () => {
    const h = await createHarness({ templates });
    const s = await running(h, { template: 'agent' });
    const plain = await running(h, { name: 'plain' }); // python: no idle pause
    h.clock.advance(599_000);
    expect((await h.reconciler.reconcile()).autoPaused).toEqual([]);
    await h.service.touch(s.id); // activity at 599 s
    h.clock.advance(2_000);
    expect((await h.reconciler.reconcile()).autoPaused).toEqual([]);
    h.clock.advance(600_000);
    const report = await h.reconciler.reconcile();
    expect(report.autoPaused).toEqual([s.id]);
    expect(report.lost).toEqual([]);
    const got = await h.service.get(s.id);
    expect(got.state).toBe('paused');
    expect(got.transitions.find(t => t.to === 'pausing')?.reason).toBe(
      'idle for more than 600s (auto-pause)',
    );
    expect((await h.service.get(plain.id)).state).toBe('running');

    // a paused runtime under a paused row is no drift
    const again = await h.reconciler.reconcile();
    expect(again).toMatchObject({
      lost: [],
      orphansRemoved: [],
      autoPaused: [],
      autoStopped: [],
    });
    expect((await h.service.get(s.id)).state).toBe('paused');

    // resume restarts the idle clock
    await h.service.resume(s.id);
    h.clock.advance(300_000);
    expect((await h.reconciler.reconcile()).autoPaused).toEqual([]);
  });

  it('fails a paused sandbox whose runtime vanished, and idle-stops a paused sandbox', async () => {
    const h = await createHarness();
    const lost = await running(h);
    await h.service.pause(lost.id);
    h.driver.lose(`mem-${lost.id}`);
    const idle = await running(h, { name: 'idle', idleTimeoutSeconds: 3600 });
    await h.service.pause(idle.id);
    h.clock.advance(3600_000);
    const report = await h.reconciler.reconcile();
    expect(report.lost).toEqual([lost.id]);
    expect(report.autoStopped).toEqual([idle.id]);
    expect(await h.service.get(lost.id)).toMatchObject({
      state: 'failed',
      reason:
        'the runtime lost this sandbox while it was paused (container or claim is gone)',
    });
    await h.service.idle();
    expect((await h.service.get(idle.id)).state).toBe('stopped');
  });

  it('drives an interrupted pause or resume to its end', async () => {
    const h = await createHarness();
    const a = await running(h);
    const b = await running(h, { name: 'bee' });
    await h.service.pause(b.id);
    // crash mid-way: rows left in pausing / resuming
    await h.store.transition(a.id, ['running'], 'pausing', {}, h.clock.now());
    await h.store.transition(b.id, ['paused'], 'resuming', {}, h.clock.now());
    h.clock.advance(120_000);
    const report = await h.reconciler.reconcile();
    expect(report.resumed.sort()).toEqual([a.id, b.id].sort());
    await h.service.idle();
    expect((await h.service.get(a.id)).state).toBe('paused');
    expect((await h.service.get(b.id)).state).toBe('running');
  });
});
