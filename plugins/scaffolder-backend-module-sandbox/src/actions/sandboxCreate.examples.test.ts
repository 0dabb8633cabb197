import yaml from 'yaml';
import { FakeSandboxServer } from '../__testUtils__/FakeSandboxServer';
import {
  mockContext,
  objectSchemaOf,
  servicesFor,
} from '../__testUtils__/actionTestUtils';
import {
  createSandboxCreateAction,
  sandboxCreateInputSchema,
} from './sandboxCreate';
import { examples } from './sandboxCreate.examples';

describe('sandbox:create examples', () => {
  let server: FakeSandboxServer;

  beforeEach(async () => {
    server = await FakeSandboxServer.start();
  });

  afterEach(async () => {
    await server.stop();
  });

  it.each(examples)('should handle example: $description', async example => {
    const step = yaml.parse(example.example).steps[0];
    expect(step.action).toBe('sandbox:create');
    const input = step.input;
    expect(objectSchemaOf(sandboxCreateInputSchema).parse(input)).toBeTruthy();

    const action = createSandboxCreateAction(servicesFor(server));
    const { ctx } = mockContext({ ...input, pollIntervalMs: 10 });
    await action.handler(ctx);

    const [post] = server.requestsTo('POST', '/sandboxes');
    expect(post.body).toMatchObject({
      name: input.name,
      workspace: input.workspace ?? 'default',
      template: input.template,
      size: input.size ?? 'small',
      network: input.network ?? false,
      env: input.env ?? {},
    });
    expect(ctx.output).toHaveBeenCalledWith('state', 'running');
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      `resource:${input.workspace ?? 'default'}/sandbox-${input.name}`,
    );
  });
});
