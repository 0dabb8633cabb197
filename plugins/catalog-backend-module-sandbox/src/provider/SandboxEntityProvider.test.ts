import { mockServices } from '@backstage/backend-test-utils';
import { EntityProviderConnection } from '@backstage/plugin-catalog-node';
import { SANDBOX_CHANGED_TOPIC } from '@internal/plugin-sandbox-common';
import { SandboxListClient } from '../client/SandboxListClient';
import {
  FakeSandboxListServer,
  makeSandbox,
} from '../__testUtils__/FakeSandboxListServer';
import { SandboxEntityProvider } from './SandboxEntityProvider';

describe('SandboxEntityProvider', () => {
  let server: FakeSandboxListServer;
  let connection: jest.Mocked<EntityProviderConnection>;
  let logger: ReturnType<typeof mockServices.logger.mock>;
  let scheduler: ReturnType<typeof mockServices.scheduler.mock>;
  let events: ReturnType<typeof mockServices.events>;
  let provider: SandboxEntityProvider;

  /** The last mutation applied, as the catalog received it. */
  const lastMutation = () =>
    connection.applyMutation.mock.calls.at(-1)![0] as {
      type: 'full';
      entities: { entity: any; locationKey?: string }[];
    };

  beforeEach(async () => {
    server = await FakeSandboxListServer.start();
    connection = { applyMutation: jest.fn(), refresh: jest.fn() };
    logger = mockServices.logger.mock();
    scheduler = mockServices.scheduler.mock();
    events = mockServices.events();
    provider = new SandboxEntityProvider({
      lister: new SandboxListClient({
        discovery: mockServices.discovery.mock({
          getBaseUrl: async () => server.baseUrl,
        }),
        auth: mockServices.auth({ pluginId: 'catalog' }),
      }),
      logger,
      scheduler,
      events,
      debounceMs: 20,
    });
  });

  afterEach(async () => {
    provider.stop();
    await server.stop();
  });

  it('schedules a global refresh every 30 seconds', async () => {
    await provider.connect(connection);

    expect(provider.getProviderName()).toBe('sandbox-entities');
    expect(scheduler.scheduleTask).toHaveBeenCalledWith(
      expect.objectContaining({
        id: 'sandbox-entities:refresh',
        frequency: { seconds: 30 },
        initialDelay: { seconds: 5 },
        scope: 'global',
      }),
    );

    server.sandboxes = [makeSandbox(1)];
    await scheduler.scheduleTask.mock.calls[0][0].fn(
      new AbortController().signal,
    );
    expect(connection.applyMutation).toHaveBeenCalledTimes(1);
  });

  it('applies every live sandbox, read page by page with service credentials', async () => {
    server.sandboxes = Array.from({ length: 450 }, (_, i) =>
      makeSandbox(i, { state: i % 150 === 0 ? 'deleted' : 'running' }),
    );
    await provider.connect(connection);

    await provider.refresh();

    expect(server.requests.map(r => r.query)).toEqual([
      { limit: '200' },
      { limit: '200', cursor: '200' },
      { limit: '200', cursor: '400' },
    ]);
    expect(server.requests.every(r => r.principal === 'plugin:catalog')).toBe(
      true,
    );
    const mutation = lastMutation();
    expect(mutation.type).toBe('full');
    expect(mutation.entities).toHaveLength(447);
    expect(mutation.entities[0]).toEqual({
      entity: expect.objectContaining({
        kind: 'Resource',
        metadata: expect.objectContaining({ name: 'sandbox-box-1' }),
      }),
      locationKey: 'sandbox-entities',
    });
    expect(mutation.entities.map(e => e.entity.metadata.name)).not.toContain(
      'sandbox-box-150',
    );
  });

  it('refreshes once, shortly after a burst of sandbox change events', async () => {
    await provider.connect(connection);
    server.sandboxes = [makeSandbox(1, { state: 'pending' })];

    for (const state of ['pending', 'provisioning', 'running']) {
      await events.publish({
        topic: SANDBOX_CHANGED_TOPIC,
        eventPayload: {
          sandboxId: 'sbx-1',
          workspace: 'default',
          name: 'box-1',
          state,
        },
      });
    }
    server.sandboxes = [makeSandbox(1, { state: 'running' })];
    expect(connection.applyMutation).not.toHaveBeenCalled();

    await waitFor(() => connection.applyMutation.mock.calls.length === 1);
    await new Promise(resolve => setTimeout(resolve, 50));

    expect(server.requests).toHaveLength(1);
    expect(connection.applyMutation).toHaveBeenCalledTimes(1);
    expect(
      lastMutation().entities[0].entity.metadata.labels['portal.sandbox/state'],
    ).toBe('running');
  });

  it('ignores events of other topics', async () => {
    await provider.connect(connection);

    await events.publish({ topic: 'something.else', eventPayload: {} });
    await new Promise(resolve => setTimeout(resolve, 50));

    expect(server.requests).toHaveLength(0);
  });

  it('keeps the last entities when the sandbox backend is down', async () => {
    await provider.connect(connection);
    server.sandboxes = [makeSandbox(1), makeSandbox(2)];
    await provider.refresh();

    server.down = true;
    await provider.refresh();

    expect(connection.applyMutation).toHaveBeenCalledTimes(1);
    expect(lastMutation().entities).toHaveLength(2);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /^Could not list sandboxes, keeping the sandbox entities of the last refresh: .*503/,
      ),
    );

    server.down = false;
    server.sandboxes = [makeSandbox(2)];
    await provider.refresh();
    expect(lastMutation().entities).toHaveLength(1);
  });

  it('logs event-triggered refreshes that fail', async () => {
    connection.applyMutation.mockRejectedValue(new Error('database is locked'));
    await provider.connect(connection);

    await events.publish({ topic: SANDBOX_CHANGED_TOPIC, eventPayload: {} });

    await waitFor(() => logger.warn.mock.calls.length === 1);
    expect(logger.warn).toHaveBeenCalledWith(
      'Refreshing sandbox entities after a change failed: Error: database is locked',
    );
  });

  it('never runs two refreshes at once, and runs one more for calls made during one', async () => {
    await provider.connect(connection);
    server.sandboxes = [makeSandbox(1)];

    const first = provider.refresh();
    server.sandboxes = [makeSandbox(1), makeSandbox(2)];
    const second = provider.refresh();
    const third = provider.refresh();
    expect(third).toBe(second);
    await Promise.all([first, second, third]);

    expect(server.requests).toHaveLength(2);
    expect(lastMutation().entities).toHaveLength(2);
  });

  it('skips a sandbox it cannot describe', async () => {
    await provider.connect(connection);
    server.sandboxes = [
      makeSandbox(1),
      { ...makeSandbox(2), size: undefined as any },
    ];

    await provider.refresh();

    expect(lastMutation().entities).toHaveLength(1);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('Skipping sandbox sbx-2 in the catalog'),
    );
  });

  it('refuses to refresh before the catalog connects it', async () => {
    await expect(provider.refresh()).rejects.toThrow(
      'sandbox-entities is not connected',
    );
  });

  it('drops a pending event-triggered refresh when stopped', async () => {
    await provider.connect(connection);
    await events.publish({ topic: SANDBOX_CHANGED_TOPIC, eventPayload: {} });

    provider.stop();
    await new Promise(resolve => setTimeout(resolve, 50));

    expect(server.requests).toHaveLength(0);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error('Timed out waiting for condition');
    }
    await new Promise(resolve => setTimeout(resolve, 5));
  }
}
