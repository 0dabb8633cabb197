import { mockCredentials } from '@backstage/backend-test-utils';
import { FakeSandboxServer } from '../__testUtils__/FakeSandboxServer';
import {
  checkpointStore,
  infoLines,
  mockContext,
  objectSchemaOf,
  servicesFor,
} from '../__testUtils__/actionTestUtils';
import { createSandboxCreateAction } from './sandboxCreate';
import {
  createSandboxDeleteAction,
  sandboxDeleteInputSchema,
  sandboxDeleteOutputSchema,
} from './sandboxDelete';

const FAST = { waitTimeoutSeconds: 5, pollIntervalMs: 10 };

describe('sandbox:delete', () => {
  let server: FakeSandboxServer;
  let action: ReturnType<typeof createSandboxDeleteAction>;

  beforeEach(async () => {
    server = await FakeSandboxServer.start();
    action = createSandboxDeleteAction(servicesFor(server));
    const create = createSandboxCreateAction(servicesFor(server));
    await create.handler(
      mockContext({ name: 'doomed', template: 'python', ...FAST }).ctx,
    );
    server.requests.length = 0;
  });

  afterEach(async () => {
    await server.stop();
  });

  it('deletes the sandbox on behalf of the user and waits until it is deleted', async () => {
    server.deleteScript = [{ state: 'deleted' }];
    const { ctx, logger } = mockContext({ id: 'sbx-1', ...FAST });

    await action.handler(ctx);

    const [del] = server.requestsTo('DELETE', '/sandboxes/sbx-1');
    expect(del.headers.authorization).toBe(
      `Bearer ${mockCredentials.service.token({
        onBehalfOf: mockCredentials.user(),
        targetPluginId: 'sandbox',
      })}`,
    );
    expect(server.sandboxes.get('sbx-1')!.state).toBe('deleted');
    expect(ctx.output).toHaveBeenCalledWith('id', 'sbx-1');
    expect(ctx.output).toHaveBeenCalledWith('state', 'deleted');
    expect(infoLines(logger)).toEqual([
      'Deleting sandbox sbx-1',
      'Deletion of sandbox default/doomed (sbx-1) accepted; it is deleting',
      'Sandbox default/doomed is deleted (was deleting)',
    ]);
  });

  it('returns once the deletion is accepted when not waiting', async () => {
    const { ctx } = mockContext({ id: 'sbx-1', wait: false });

    await action.handler(ctx);

    expect(server.requestsTo('GET', '/sandboxes/')).toHaveLength(0);
    expect(ctx.output).toHaveBeenCalledWith('state', 'deleting');
  });

  it('treats a sandbox purged while waiting as deleted', async () => {
    server.failNext(404, 'NotFoundError', "No sandbox with id 'sbx-1'", {
      method: 'GET',
    });
    const { ctx } = mockContext({ id: 'sbx-1', ...FAST });

    await action.handler(ctx);

    expect(ctx.output).toHaveBeenCalledWith('state', 'deleted');
  });

  it('succeeds for a sandbox that does not exist', async () => {
    const { ctx, logger } = mockContext({ id: 'sbx-404', ...FAST });

    await action.handler(ctx);

    expect(server.requestsTo('GET', '/sandboxes/')).toHaveLength(0);
    expect(ctx.output).toHaveBeenCalledWith('state', 'deleted');
    expect(infoLines(logger)).toContain(
      'Sandbox sbx-404 does not exist (any more)',
    );
  });

  it('fails with the reason when the deletion fails', async () => {
    server.deleteScript = [
      { state: 'failed', reason: 'container could not be removed' },
    ];
    const { ctx } = mockContext({ id: 'sbx-1', ...FAST });

    await expect(action.handler(ctx)).rejects.toThrow(
      'Sandbox default/doomed is failed: container could not be removed',
    );
  });

  it('times out naming the last state', async () => {
    server.deleteScript = [];
    const { ctx } = mockContext({
      id: 'sbx-1',
      waitTimeoutSeconds: 1,
      pollIntervalMs: 100,
    });

    await expect(action.handler(ctx)).rejects.toThrow(
      'Timed out after 1s waiting for sandbox default/doomed to be deleted; last state: deleting',
    );
  });

  it('surfaces refusals of the backend', async () => {
    server.failNext(403, 'NotAllowedError', 'Not your sandbox');
    const { ctx } = mockContext({ id: 'sbx-1', ...FAST });

    await expect(action.handler(ctx)).rejects.toThrow(
      'Sandbox API DELETE /sandboxes/sbx-1 failed with 403 Forbidden: NotAllowedError: Not your sandbox',
    );
  });

  it('does not delete twice when a retried task replays its checkpoint', async () => {
    const store = checkpointStore();
    await action.handler(
      mockContext({ id: 'sbx-1', ...FAST }, { checkpoint: store.checkpoint })
        .ctx,
    );
    const retry = mockContext(
      { id: 'sbx-1', ...FAST },
      { checkpoint: store.checkpoint },
    );
    await action.handler(retry.ctx);

    expect(server.requestsTo('DELETE', '/sandboxes/')).toHaveLength(1);
    expect(retry.ctx.output).toHaveBeenCalledWith('state', 'deleted');
  });

  describe('schema', () => {
    const schema = objectSchemaOf(sandboxDeleteInputSchema);

    it.each([
      [{}],
      [{ id: '' }],
      [{ id: 'sbx-1', wait: 'yes' }],
      [{ id: 'sbx-1', waitTimeoutSeconds: -1 }],
      [{ id: 'sbx-1', extra: 1 }],
    ])('rejects %j', input => {
      expect(schema.safeParse(input).success).toBe(false);
    });

    it('describes every input and output field', () => {
      const output = objectSchemaOf(sandboxDeleteOutputSchema);
      for (const field of [
        ...Object.values(schema.shape),
        ...Object.values(output.shape),
      ]) {
        expect(field.description).toEqual(expect.any(String));
      }
      expect((action.schema?.input as any).properties.wait.default).toBe(true);
    });
  });
});
