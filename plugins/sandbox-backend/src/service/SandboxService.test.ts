import { createHarness, validRequest } from '../__testUtils__/harness';

describe('SandboxService', () => {
  it('creates a sandbox: pending -> provisioning -> running, with links, entity ref and events', async () => {
    const { service, driver, published } = await createHarness();
    const created = await service.create(
      { ...validRequest, repo: { url: 'https://git.example.com/a.git' }, env: { X: '1' }, labels: { team: 'a' } },
      'user:default/ada',
    );
    expect(created).toMatchObject({
      name: 'box',
      workspace: 'team-a',
      owner: 'user:default/ada',
      image: 'portal-sandbox/python:latest',
      state: 'pending',
      entityRef: 'resource:team-a/sandbox-box',
      links: {
        portal: `http://portal.test/sandboxes/${created.id}`,
        vscode: 'vscode://vscode-remote/ssh-remote+sandbox%40box.team-a.sandbox.test/workspace',
      },
    });
    expect(created.links.jetbrainsGateway).toContain('host=box.team-a.sandbox.test');
    await service.idle();
    const got = await service.get(created.id);
    expect(got.state).toBe('running');
    expect(got.externalId).toBe(`mem-${created.id}`);
    expect(got.transitions.map(t => t.to)).toEqual(['pending', 'provisioning', 'running']);
    expect(published.map(p => p.state)).toEqual(['pending', 'provisioning', 'running']);
    const instance = await driver.inspect(`mem-${created.id}`);
    expect(instance?.labels).toMatchObject({
      'portal.sandbox/id': created.id,
      'portal.sandbox/workspace': 'team-a',
      'portal.sandbox/owner': 'user:default/ada',
      'portal.sandbox/managed': 'true',
      team: 'a',
    });
    expect(instance?.limits).toMatchObject({ cpus: 0.5, memoryBytes: 512 * 1024 * 1024, pids: 256, networkMode: 'none' });
  });

  it('merges template env and image, and rejects unknown templates without an image', async () => {
    const { service } = await createHarness();
    const s = await service.create({ ...validRequest, template: 'custom', env: { MINE: '2' } }, 'user:default/ada');
    expect(s.image).toBe('my/image:1');
    expect(s.env).toEqual({ FROM_TEMPLATE: 'yes', MINE: '2' });
    const ollama = await service.create({ ...validRequest, name: 'llm', template: 'ollama' }, 'user:default/ada');
    expect(ollama.network).toBe(true);
    await service.idle();
  });

  it('marks a sandbox failed with the driver reason and leaves nothing in the runtime', async () => {
    const { service, driver } = await createHarness();
    driver.failNext.create = 'image portal-sandbox/python:latest not found';
    const s = await service.create(validRequest, 'user:default/ada');
    await service.idle();
    const got = await service.get(s.id);
    expect(got.state).toBe('failed');
    expect(got.reason).toBe('image portal-sandbox/python:latest not found');
    expect(driver.instances.size).toBe(0);
  });

  it('stops, starts and deletes, keeping the runtime in step', async () => {
    const { service, driver } = await createHarness();
    const s = await service.create(validRequest, 'user:default/ada');
    await service.idle();
    expect((await service.stop(s.id)).state).toBe('stopping');
    await service.idle();
    expect((await service.get(s.id)).state).toBe('stopped');
    expect((await driver.inspect(`mem-${s.id}`))?.status).toBe('stopped');
    await expect(service.stop(s.id)).rejects.toThrow("Sandbox 'box' is stopped; only running or paused sandboxes can be stopped");

    await service.start(s.id);
    await service.idle();
    expect((await service.get(s.id)).state).toBe('running');
    await expect(service.start(s.id)).rejects.toThrow('only stopped or failed sandboxes can be started');

    expect((await service.delete(s.id)).state).toBe('deleting');
    await service.idle();
    const deleted = await service.get(s.id);
    expect(deleted.state).toBe('deleted');
    expect(driver.instances.size).toBe(0);
    await expect(service.delete(s.id)).rejects.toThrow("Sandbox 'box' is already deleted");
    // the name is free again
    await expect(service.create(validRequest, 'user:default/ada')).resolves.toMatchObject({ state: 'pending' });
    await service.idle();
  });

  it('rebuilds a sandbox whose container vanished while stopped when it is started', async () => {
    const { service, driver } = await createHarness();
    const s = await service.create(validRequest, 'user:default/ada');
    await service.idle();
    await service.stop(s.id);
    await service.idle();
    driver.lose(`mem-${s.id}`);
    await service.start(s.id);
    await service.idle();
    expect((await service.get(s.id)).state).toBe('running');
    expect(driver.calls.filter(c => c.startsWith('create:'))).toHaveLength(2);
  });

  it('records failures of stop and delete as failed with a reason', async () => {
    const { service, driver } = await createHarness();
    const s = await service.create(validRequest, 'user:default/ada');
    await service.idle();
    driver.failNext.stop = 'engine said no';
    await service.stop(s.id);
    await service.idle();
    expect(await service.get(s.id)).toMatchObject({ state: 'failed', reason: 'stop failed: engine said no' });
    driver.failNext.remove = 'volume busy';
    await service.delete(s.id);
    await service.idle();
    expect(await service.get(s.id)).toMatchObject({ state: 'failed', reason: 'delete failed: volume busy' });
  });

  it('runs commands only in running sandboxes and records activity', async () => {
    const { service, clock, store } = await createHarness();
    const s = await service.create(validRequest, 'user:default/ada');
    await expect(service.exec(s.id, { command: ['echo', 'hi'], timeoutSeconds: 5 })).rejects.toThrow(
      "Sandbox 'box' is pending; commands run only in running sandboxes",
    );
    await service.idle();
    clock.advance(5000);
    const result = await service.exec(s.id, { command: ['echo', 'hi'], timeoutSeconds: 5 });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'hi\n', timedOut: false });
    expect((await store.get(s.id))?.lastActivityAt).toEqual(clock.now());
    expect(await service.logs(s.id, 1)).toBe('image portal-sandbox/python:latest');
  });

  it('answers 404-style errors for unknown ids and empty logs before a runtime exists', async () => {
    const { service, driver } = await createHarness();
    await expect(service.get('nope')).rejects.toThrow("No sandbox with id 'nope'");
    driver.delayMs = 50;
    const s = await service.create(validRequest, 'user:default/ada');
    expect(await service.logs(s.id, 10)).toBe('');
    await service.idle();
  });

  it('waits for a state and times out naming the last one', async () => {
    const { service, driver } = await createHarness();
    driver.delayMs = 300;
    const s = await service.create(validRequest, 'user:default/ada');
    await expect(service.waitFor(s.id, ['running'], 50, 10)).rejects.toThrow(/is still (pending|provisioning) after 0s/);
    await expect(service.waitFor(s.id, ['running'], 5000, 10)).resolves.toMatchObject({ state: 'running' });
  });

  it('wakes a waiter on its own state changes without waiting for the store poll', async () => {
    const { service, driver, store } = await createHarness();
    driver.delayMs = 30;
    const s = await service.create(validRequest, 'user:default/ada');
    const read = jest.spyOn(store, 'get');
    // a poll of 10 minutes: only the in-process wake-up can resolve this within the test's timeout
    const running = await service.waitUntil(s.id, ['running'], 600_000, 600_000);
    expect(running.state).toBe('running');
    // one read per state change seen (pending/provisioning -> running), not a poll loop
    expect(read.mock.calls.length).toBeLessThanOrEqual(3);
    read.mockRestore();
    // at the deadline: the current state instead of an error; a state reached: at once
    const stopped = await service.stop(s.id);
    expect(stopped.state).toBe('stopping');
    expect((await service.waitUntil(s.id, ['deleted'], 20, 5)).state).toMatch(/stopping|stopped/);
    expect((await service.waitUntil(s.id, ['stopped'], 5000)).state).toBe('stopped');
  });

  it('still sees changes made by another process through the store poll', async () => {
    const { service, store, clock } = await createHarness();
    const s = await service.create(validRequest, 'user:default/ada');
    await service.idle();
    const waiting = service.waitUntil(s.id, ['failed'], 5000, 10);
    // another replica (a second service on the same store) fails it: no event reaches this one
    await store.transition(s.id, ['running'], 'failed', { reason: 'elsewhere' }, clock.now());
    await expect(waiting).resolves.toMatchObject({ state: 'failed', reason: 'elsewhere' });
  });

  it('lists pages of sandboxes', async () => {
    const { service, clock } = await createHarness();
    for (const name of ['a1', 'a2', 'a3']) {
      await service.create({ ...validRequest, name }, 'user:default/ada');
      clock.advance(1000);
    }
    await service.idle();
    const page = await service.list({ workspace: 'team-a', limit: 2 });
    expect(page.items.map(i => i.name)).toEqual(['a3', 'a2']);
    expect(page.totalCount).toBe(3);
    expect(page.nextCursor).toBeDefined();
  });
});
