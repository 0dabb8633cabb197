import { mockServices } from '@backstage/backend-test-utils';
import yaml from 'yaml';
import { mockContext, objectSchemaOf } from '../__testUtils__/actionTestUtils';
import {
  createCrossplaneClaimApplyAction,
  crossplaneClaimApplyInputSchema,
} from './crossplaneClaimApply';
import { examples } from './crossplaneClaimApply.examples';
import { FakeApplyServer } from './crossplaneClaimApply.testServer';

describe('crossplane:claim:apply examples', () => {
  let server: FakeApplyServer;

  beforeEach(async () => {
    server = await FakeApplyServer.start();
  });

  afterEach(async () => {
    await server.stop();
  });

  it.each(examples)('should handle example: $description', async example => {
    const step = yaml.parse(example.example).steps[0];
    expect(step.action).toBe('crossplane:claim:apply');
    expect(
      objectSchemaOf(crossplaneClaimApplyInputSchema).parse(step.input),
    ).toBeTruthy();

    const action = createCrossplaneClaimApplyAction({
      config: mockServices.rootConfig({ data: {} }),
      kubeConfig: server.kubeConfig(),
    });
    const { ctx } = mockContext(step.input);
    await action.handler(ctx);

    const [req] = server.requests;
    expect(req.body).toMatchObject({
      kind: step.input.kind,
      spec: step.input.spec ?? {},
    });
    expect(req.query.get('dryRun')).toBe(step.input.dryRun ? 'All' : null);
    expect(ctx.output).toHaveBeenCalledWith('kind', step.input.kind);
  });
});
