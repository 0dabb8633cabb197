import { mockCredentials } from '@backstage/backend-test-utils';
import { UserEntity } from '@backstage/catalog-model';
import { FakeSandboxServer } from '../__testUtils__/FakeSandboxServer';
import {
  checkpointStore,
  infoLines,
  mockContext,
  objectSchemaOf,
  servicesFor,
} from '../__testUtils__/actionTestUtils';
import {
  createSandboxCreateAction,
  SCAFFOLDER_TASK_LABEL,
  sandboxCreateInputSchema,
  sandboxCreateOutputSchema,
} from './sandboxCreate';

const FAST = { waitTimeoutSeconds: 5, pollIntervalMs: 10 };

function userEntity(memberOf: string[], namespace = 'default'): UserEntity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: { name: 'mock', namespace },
    spec: { memberOf },
  };
}

describe('sandbox:create', () => {
  let server: FakeSandboxServer;
  let action: ReturnType<typeof createSandboxCreateAction>;

  beforeEach(async () => {
    server = await FakeSandboxServer.start();
    action = createSandboxCreateAction(servicesFor(server));
  });

  afterEach(async () => {
    await server.stop();
  });

  it('creates the sandbox on behalf of the user, waits until it runs and outputs its links', async () => {
    const { ctx, logger } = mockContext({
      name: 'my-box',
      template: 'python',
      size: 'medium',
      repoUrl: 'https://github.com/example/app.git',
      repoRef: 'main',
      env: { FOO: 'bar' },
      ttlHours: 8,
      idleTimeoutMinutes: 30,
      labels: { project: 'app' },
      ...FAST,
    });

    await action.handler(ctx);

    const [post] = server.requestsTo('POST', '/sandboxes');
    expect(post.body).toEqual({
      name: 'my-box',
      workspace: 'default',
      template: 'python',
      size: 'medium',
      env: { FOO: 'bar' },
      network: false,
      labels: { project: 'app', [SCAFFOLDER_TASK_LABEL]: 'task-1' },
      repo: { url: 'https://github.com/example/app.git', ref: 'main' },
      ttlSeconds: 8 * 3600,
      idleTimeoutSeconds: 30 * 60,
    });
    // The token is issued on behalf of the initiating user, for the sandbox plugin.
    expect(post.headers.authorization).toBe(
      `Bearer ${mockCredentials.service.token({
        onBehalfOf: mockCredentials.user(),
        targetPluginId: 'sandbox',
      })}`,
    );
    expect(
      server.requests.every(r => r.principal === 'user:default/mock'),
    ).toBe(true);

    const sandbox = server.sandboxes.get('sbx-1')!;
    expect(ctx.output).toHaveBeenCalledWith('id', 'sbx-1');
    expect(ctx.output).toHaveBeenCalledWith('state', 'running');
    expect(ctx.output).toHaveBeenCalledWith('links', {
      portal: 'http://portal.test/sandboxes/sbx-1',
      vscode: sandbox.links.vscode,
      jetbrainsGateway: sandbox.links.jetbrainsGateway,
    });
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'resource:default/sandbox-my-box',
    );

    expect(infoLines(logger)).toEqual([
      'Creating sandbox default/my-box from template python (size medium)',
      'Sandbox default/my-box created with id sbx-1; it is pending',
      'Sandbox default/my-box is provisioning (was pending)',
      'Sandbox default/my-box is running (was provisioning)',
    ]);
  });

  it('logs states that came and went between two polls from the transition history', async () => {
    await server.stop();
    server = await FakeSandboxServer.start({ stepsPerGet: 2 });
    action = createSandboxCreateAction(servicesFor(server));
    const { ctx, logger } = mockContext({
      name: 'quick',
      template: 'node',
      ...FAST,
    });

    await action.handler(ctx);

    // One GET saw `running` directly; the history still shows `provisioning`.
    expect(server.requestsTo('GET', '/sandboxes/')).toHaveLength(1);
    expect(infoLines(logger).slice(2)).toEqual([
      'Sandbox default/quick is provisioning (was pending)',
      'Sandbox default/quick is running (was provisioning)',
    ]);
  });

  it('emits only the links the backend provides', async () => {
    await server.stop();
    server = await FakeSandboxServer.start({ withoutIdeLinks: true });
    action = createSandboxCreateAction(servicesFor(server));
    const { ctx } = mockContext({ name: 'plain', template: 'python', ...FAST });

    await action.handler(ctx);

    expect(ctx.output).toHaveBeenCalledWith('links', {
      portal: 'http://portal.test/sandboxes/sbx-1',
    });
  });

  it('fails with the reason when the sandbox fails', async () => {
    server.createScript = [
      { state: 'provisioning' },
      { state: 'failed', reason: 'image portal-sandbox/python not found' },
    ];
    const { ctx, logger } = mockContext({
      name: 'broken',
      template: 'python',
      ...FAST,
    });

    await expect(action.handler(ctx)).rejects.toThrow(
      'Sandbox default/broken is failed: image portal-sandbox/python not found',
    );
    expect(infoLines(logger)).toContain(
      'Sandbox default/broken is failed (was provisioning): image portal-sandbox/python not found',
    );
    expect(ctx.output).not.toHaveBeenCalled();
  });

  it('fails when the sandbox is deleted while it is being created', async () => {
    server.createScript = [{ state: 'deleting' }, { state: 'deleted' }];
    const { ctx } = mockContext({ name: 'gone', template: 'python', ...FAST });

    await expect(action.handler(ctx)).rejects.toThrow(
      'Sandbox default/gone is deleting: no reason given',
    );
  });

  it('times out naming the last state', async () => {
    server.createScript = [{ state: 'provisioning' }];
    const { ctx } = mockContext({
      name: 'slow',
      template: 'python',
      waitTimeoutSeconds: 1,
      pollIntervalMs: 50,
    });

    await expect(action.handler(ctx)).rejects.toThrow(
      'Timed out after 1s waiting for sandbox default/slow to be running; last state: provisioning',
    );
  });

  it('stops waiting when the task is cancelled', async () => {
    server.createScript = [];
    const controller = new AbortController();
    const { ctx } = mockContext(
      { name: 'cancelled', template: 'python', pollIntervalMs: 20 },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 100);

    await expect(action.handler(ctx)).rejects.toThrow(/abort/i);
    // a GET already on the wire when the task was cancelled may still reach the server: let it
    // land, then no further poll may come in 10 poll intervals
    await new Promise(resolve => setTimeout(resolve, 50));
    const polls = server.requestsTo('GET', '/sandboxes/').length;
    await new Promise(resolve => setTimeout(resolve, 200));
    expect(server.requestsTo('GET', '/sandboxes/')).toHaveLength(polls);
  });

  it('keeps polling through server errors while waiting', async () => {
    const { ctx, logger } = mockContext({
      name: 'flaky',
      template: 'python',
      ...FAST,
    });
    // The POST goes through; the first GET meets a restarting backend.
    server.failNext(503, 'ServiceUnavailableError', 'restarting', {
      method: 'GET',
    });

    await action.handler(ctx);

    expect(ctx.output).toHaveBeenCalledWith('state', 'running');
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('Could not read sandbox default/flaky, retrying'),
    );
  });

  it('does not create twice when a retried task replays its checkpoint', async () => {
    const store = checkpointStore();
    const input = { name: 'once', template: 'python', ...FAST };

    const first = mockContext(input, { checkpoint: store.checkpoint });
    await action.handler(first.ctx);
    const second = mockContext(input, { checkpoint: store.checkpoint });
    await action.handler(second.ctx);

    expect(server.requestsTo('POST', '/sandboxes')).toHaveLength(1);
    expect([...store.values.keys()]).toEqual(['sandbox.create.default.once']);
    expect(second.ctx.output).toHaveBeenCalledWith('id', 'sbx-1');
    expect(second.ctx.output).toHaveBeenCalledWith('state', 'running');
  });

  it('adopts its own sandbox on a 409 when the checkpoint was lost', async () => {
    const input = { name: 'mine', template: 'python', ...FAST };
    await action.handler(mockContext(input).ctx);

    const retry = mockContext(input);
    await action.handler(retry.ctx);

    expect(server.requestsTo('POST', '/sandboxes')).toHaveLength(2);
    expect(server.sandboxes.size).toBe(1);
    expect(retry.ctx.output).toHaveBeenCalledWith('id', 'sbx-1');
    expect(infoLines(retry.logger)).toContain(
      'Sandbox default/mine (sbx-1) was already created by this task; continuing with it',
    );
  });

  it('rejects a name clash with a sandbox of another task', async () => {
    const input = { name: 'taken', template: 'python', ...FAST };
    await action.handler(mockContext(input).ctx);

    const other = mockContext(input, { task: { id: 'task-2' } });
    await expect(action.handler(other.ctx)).rejects.toThrow(
      "A sandbox named 'taken' already exists in workspace 'default'",
    );
  });

  it('surfaces errors of the backend', async () => {
    server.failNext(403, 'NotAllowedError', 'Quota exceeded: cpu');
    const { ctx } = mockContext({ name: 'big', template: 'python', ...FAST });

    await expect(action.handler(ctx)).rejects.toThrow(
      'Sandbox API POST /sandboxes failed with 403 Forbidden: NotAllowedError: Quota exceeded: cpu',
    );
  });

  it('fails when the sandbox vanishes while waiting', async () => {
    const { ctx } = mockContext({
      name: 'vanish',
      template: 'python',
      ...FAST,
    });
    server.failNext(404, 'NotFoundError', "No sandbox with id 'sbx-1'", {
      method: 'GET',
    });

    await expect(action.handler(ctx)).rejects.toThrow(
      "Sandbox API GET /sandboxes/sbx-1 failed with 404 Not Found: NotFoundError: No sandbox with id 'sbx-1'",
    );
  });

  describe('ownerGroup', () => {
    it("defaults to the first group of the user's spec.memberOf, as a full ref", async () => {
      const { ctx } = mockContext(
        { name: 'team-box', template: 'python', ...FAST },
        {
          user: {
            entity: userEntity(['Team-A', 'group:default/other']),
            ref: 'user:default/mock',
          },
        },
      );

      await action.handler(ctx);

      expect(server.requestsTo('POST', '/sandboxes')[0].body.ownerGroup).toBe(
        'group:default/team-a',
      );
    });

    it("resolves relative refs in the user's namespace", async () => {
      const { ctx } = mockContext(
        { name: 'ops-box', template: 'python', ...FAST },
        { user: { entity: userEntity(['sre'], 'ops') } },
      );

      await action.handler(ctx);

      expect(server.requestsTo('POST', '/sandboxes')[0].body.ownerGroup).toBe(
        'group:ops/sre',
      );
    });

    it('is left to the backend when the user has no group', async () => {
      const { ctx } = mockContext(
        { name: 'solo', template: 'python', ...FAST },
        { user: { entity: userEntity([]) } },
      );

      await action.handler(ctx);

      expect(
        server.requestsTo('POST', '/sandboxes')[0].body,
      ).not.toHaveProperty('ownerGroup');
    });

    it('takes an explicit group, normalised to a full ref', async () => {
      const { ctx } = mockContext(
        {
          name: 'picked',
          template: 'python',
          ownerGroup: 'platform-team',
          ...FAST,
        },
        { user: { entity: userEntity(['team-a']) } },
      );

      await action.handler(ctx);

      expect(server.requestsTo('POST', '/sandboxes')[0].body.ownerGroup).toBe(
        'group:default/platform-team',
      );
    });

    it.each([
      ['user:default/someone', 'must be a group, not a user'],
      ['group:', 'Invalid ownerGroup'],
    ])('rejects %s', async (ownerGroup, message) => {
      const { ctx } = mockContext({
        name: 'bad-owner',
        template: 'python',
        ownerGroup,
      });

      await expect(action.handler(ctx)).rejects.toThrow(message);
      expect(server.requests).toHaveLength(0);
    });
  });

  it('checks the request before calling the backend', async () => {
    const { ctx } = mockContext({
      name: 'bad-repo',
      template: 'python',
      repoUrl: 'not a url',
      env: { 'BAD-NAME': 'x' },
    });

    await expect(action.handler(ctx)).rejects.toThrow(
      'Invalid sandbox request: env.BAD-NAME: Invalid key in record; repo.url: must be an http(s), ssh, git or file:// git URL',
    );
    expect(server.requests).toHaveLength(0);
  });

  it('only validates and reports in a dry run', async () => {
    const { ctx, logger } = mockContext(
      { name: 'dry', workspace: 'team-a', template: 'python' },
      { isDryRun: true },
    );

    await action.handler(ctx);

    expect(server.requests).toHaveLength(0);
    expect(ctx.output).toHaveBeenCalledWith('id', 'dry-run');
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'resource:team-a/sandbox-dry',
    );
    expect(infoLines(logger)).toEqual([
      'Dry run: would create sandbox team-a/dry from template python (size small)',
    ]);
  });

  describe('schema', () => {
    const schema = objectSchemaOf(sandboxCreateInputSchema);

    it('accepts the minimal input and documents the defaults in the JSON schema', () => {
      expect(schema.safeParse({ name: 'a', template: 'python' }).success).toBe(
        true,
      );
      // The scaffolder validates with the JSON schema and does not apply zod defaults; the
      // handler applies the same defaults itself.
      const properties = (action.schema?.input as any).properties;
      expect(properties.workspace.default).toBe('default');
      expect(properties.size.default).toBe('small');
      expect(properties.network.default).toBe(false);
      expect(properties.waitTimeoutSeconds.default).toBe(300);
      expect(properties.pollIntervalMs.default).toBe(1000);
      expect(properties.ttlHours).toMatchObject({
        type: 'number',
        exclusiveMinimum: 0,
        maximum: 720,
      });
      expect((action.schema?.input as any).required.sort()).toEqual([
        'name',
        'template',
      ]);
    });

    it.each([
      ['ttlHours', { ttlHours: -1 }],
      ['ttlHours', { ttlHours: 0 }],
      ['ttlHours', { ttlHours: 721 }],
      ['idleTimeoutMinutes', { idleTimeoutMinutes: 1.5 }],
      ['name', { name: 'Bad_Name' }],
      ['name', { name: 'a'.repeat(41) }],
      ['workspace', { workspace: 'No Spaces' }],
      ['size', { size: 'huge' }],
      ['network', { network: 'yes' }],
      ['waitTimeoutSeconds', { waitTimeoutSeconds: 0 }],
      ['pollIntervalMs', { pollIntervalMs: 1 }],
      ['env', { env: { A: 1 } }],
      ['unknownField', { unknownField: true }],
    ])('rejects a bad %s: %j', (_field, bad) => {
      const result = schema.safeParse({
        name: 'a',
        template: 'python',
        ...bad,
      });
      expect(result.success).toBe(false);
    });

    it('describes every input and output field', () => {
      expect(action.schema?.input).toBeDefined();
      const output = objectSchemaOf(sandboxCreateOutputSchema);
      for (const field of [
        ...Object.values(schema.shape),
        ...Object.values(output.shape),
      ]) {
        expect(field.description).toEqual(expect.any(String));
      }
    });
  });
});
