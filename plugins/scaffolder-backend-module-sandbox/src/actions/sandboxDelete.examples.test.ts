import yaml from 'yaml';
import { FakeSandboxServer } from '../__testUtils__/FakeSandboxServer';
import {
  mockContext,
  objectSchemaOf,
  servicesFor,
} from '../__testUtils__/actionTestUtils';
import { createSandboxCreateAction } from './sandboxCreate';
import {
  createSandboxDeleteAction,
  sandboxDeleteInputSchema,
} from './sandboxDelete';
import { examples } from './sandboxDelete.examples';

describe('sandbox:delete examples', () => {
  let server: FakeSandboxServer;

  beforeEach(async () => {
    server = await FakeSandboxServer.start();
  });

  afterEach(async () => {
    await server.stop();
  });

  it.each(examples)('should handle example: $description', async example => {
    const step = yaml.parse(example.example).steps[0];
    expect(step.action).toBe('sandbox:delete');
    // A sandbox to delete: its id stands in for the example's placeholder id or
    // `${{ steps['create'].output.id }}` expression.
    const create = createSandboxCreateAction(servicesFor(server));
    const created = mockContext({
      name: 'to-delete',
      template: 'python',
      pollIntervalMs: 10,
    });
    await create.handler(created.ctx);
    expect(
      objectSchemaOf(sandboxDeleteInputSchema).parse(step.input),
    ).toBeTruthy();
    const input = { ...step.input, id: 'sbx-1' };

    const action = createSandboxDeleteAction(servicesFor(server));
    const { ctx } = mockContext({ ...input, pollIntervalMs: 10 });
    await action.handler(ctx);

    expect(server.requestsTo('DELETE', '/sandboxes/')).toHaveLength(1);
    expect(ctx.output).toHaveBeenCalledWith(
      'state',
      input.wait === false ? 'deleting' : 'deleted',
    );
  });
});
