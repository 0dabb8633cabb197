import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import {
  checkpointStore,
  infoLines,
  mockContext,
  objectSchemaOf,
} from '../__testUtils__/actionTestUtils';
import { scaffolderModuleSandbox } from '../module';
import {
  buildClaim,
  createCrossplaneClaimApplyAction,
  crossplaneClaimApplyInputSchema,
  crossplaneClaimApplyOutputSchema,
  validateClaim,
} from './crossplaneClaimApply';
import { FakeApplyServer } from './crossplaneClaimApply.testServer';

describe('crossplane:claim:apply', () => {
  let server: FakeApplyServer;
  let action: ReturnType<typeof createCrossplaneClaimApplyAction>;
  const config = mockServices.rootConfig({ data: {} });

  beforeEach(async () => {
    server = await FakeApplyServer.start();
    action = createCrossplaneClaimApplyAction({
      config,
      kubeConfig: server.kubeConfig(),
    });
  });

  afterEach(async () => {
    await server.stop();
  });

  it('server-side applies a Database claim in the workspace namespace, validated against the XRD', async () => {
    const { ctx, logger } = mockContext(
      {
        kind: 'Database',
        name: 'orders',
        workspace: 'team-a',
        spec: {
          version: '16',
          size: 'small',
          storageGB: 20,
          databaseName: 'orders',
        },
      },
      { user: { ref: 'user:default/mock' } },
    );
    await action.handler(ctx);

    expect(server.requests).toHaveLength(1);
    const [req] = server.requests;
    expect(req.method).toBe('PATCH');
    expect(req.path).toBe(
      '/apis/platform.portal.internal/v1alpha1/namespaces/ws-team-a/databases/orders',
    );
    expect(req.contentType).toBe('application/apply-patch+yaml');
    expect(req.query.get('fieldManager')).toBe('backstage-scaffolder');
    expect(req.query.get('force')).toBe('true');
    expect(req.query.get('dryRun')).toBeNull();
    expect(req.body).toEqual({
      apiVersion: 'platform.portal.internal/v1alpha1',
      kind: 'Database',
      metadata: {
        name: 'orders',
        namespace: 'ws-team-a',
        labels: {
          'app.kubernetes.io/managed-by': 'backstage-scaffolder',
          'portal.sandbox/workspace': 'team-a',
          'portal.sandbox/scaffolder-task': 'task-1',
          'portal.sandbox/owner': 'user_default_mock',
        },
      },
      spec: {
        version: '16',
        size: 'small',
        storageGB: 20,
        databaseName: 'orders',
        crossplane: {
          compositionSelector: { matchLabels: { provider: 'local' } },
        },
      },
    });
    expect(ctx.output).toHaveBeenCalledWith(
      'apiVersion',
      'platform.portal.internal/v1alpha1',
    );
    expect(ctx.output).toHaveBeenCalledWith('kind', 'Database');
    expect(ctx.output).toHaveBeenCalledWith('name', 'orders');
    expect(ctx.output).toHaveBeenCalledWith('namespace', 'ws-team-a');
    expect(infoLines(logger)).toEqual([
      'Applying Database ws-team-a/orders',
      'Database ws-team-a/orders applied',
    ]);
  });

  it('applies a cluster-scoped Workspace named after its namespace, with a server-side dry run', async () => {
    action = createCrossplaneClaimApplyAction({
      config: mockServices.rootConfig({
        data: {
          sandbox: {
            kubernetes: { provider: 'aws', namespacePrefix: 'team-' },
          },
        },
      }),
      kubeConfig: server.kubeConfig(),
    });
    const { ctx } = mockContext({
      kind: 'Workspace',
      name: 'blue',
      dryRun: true,
      spec: { quota: { cpu: '4', memory: '8Gi', maxSandboxes: 2 } },
    });
    await action.handler(ctx);
    const [req] = server.requests;
    expect(req.path).toBe(
      '/apis/platform.portal.internal/v1alpha1/workspaces/team-blue',
    );
    expect(req.query.get('dryRun')).toBe('All');
    expect(req.body.spec.crossplane).toEqual({
      compositionSelector: { matchLabels: { provider: 'aws' } },
    });
    expect(ctx.output).toHaveBeenCalledWith('name', 'team-blue');
    expect(ctx.output).not.toHaveBeenCalledWith('namespace', expect.anything());
  });

  it('rejects a spec the XRD does not accept, naming every problem, before calling the cluster', async () => {
    const { ctx } = mockContext({
      kind: 'Database',
      name: 'orders',
      namespace: 'ws-team-a',
      spec: { version: '9', storageGB: 5, colour: 'blue' },
    });
    await expect(action.handler(ctx)).rejects.toThrow(
      "Invalid Database 'orders' (k8s/crossplane/base/apis/xrds/database.yaml): spec must NOT have additional properties (colour); spec.version must be equal to one of the allowed values; spec.storageGB must be >= 10",
    );
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    [
      { kind: 'Bucket', name: 'b', spec: {} },
      'namespace or workspace is required for a Bucket',
    ],
    [
      { kind: 'Bucket', name: 'b', workspace: 'w', spec: { crossplane: {} } },
      'spec.crossplane is reserved',
    ],
    [
      { kind: 'Bucket', name: 'b', workspace: 'w', labels: { 'a/b/c': 'x' } },
      "metadata.labels: 'a/b/c: x' is no valid Kubernetes label",
    ],
    [
      { kind: 'Workspace', name: 'x'.repeat(62), spec: {} },
      'is no valid namespace name',
    ],
    [
      { kind: 'Bucket', name: 'b', workspace: 'x'.repeat(62) },
      'is no valid namespace name',
    ],
  ])('refuses %j', async (input, message) => {
    const { ctx } = mockContext(input);
    await expect(action.handler(ctx)).rejects.toThrow(message);
    expect(server.requests).toHaveLength(0);
  });

  it('does not call the cluster in a scaffolder dry run', async () => {
    const { ctx, logger } = mockContext(
      {
        kind: 'Bucket',
        name: 'reports',
        workspace: 'team-a',
        spec: { versioning: true },
      },
      { isDryRun: true },
    );
    await action.handler(ctx);
    expect(server.requests).toHaveLength(0);
    expect(infoLines(logger)).toEqual([
      'Dry run: would apply Bucket ws-team-a/reports',
    ]);
    expect(ctx.output).toHaveBeenCalledWith('namespace', 'ws-team-a');
  });

  it('applies once per task: a retried task skips the checkpointed apply', async () => {
    const store = checkpointStore();
    const input = { kind: 'Bucket', name: 'reports', workspace: 'team-a' };
    await action.handler(
      mockContext(input, { checkpoint: store.checkpoint }).ctx,
    );
    await action.handler(
      mockContext(input, { checkpoint: store.checkpoint }).ctx,
    );
    expect(server.requests).toHaveLength(1);
    expect([...store.values.keys()]).toEqual([
      'crossplane.claim.apply.Bucket.ws-team-a/reports',
    ]);
  });

  it('turns API errors into errors a template author can act on', async () => {
    const input = { kind: 'Bucket', name: 'reports', workspace: 'team-a' };
    server.failNext(
      422,
      'Bucket.platform.portal.internal "reports" is invalid: spec.expireAfterDays: Invalid value',
    );
    await expect(action.handler(mockContext(input).ctx)).rejects.toThrow(
      'The cluster rejected Bucket reports: Bucket.platform.portal.internal "reports" is invalid',
    );
    server.failNext(404, 'namespaces "ws-team-a" not found');
    await expect(action.handler(mockContext(input).ctx)).rejects.toThrow(
      /does not serve buckets.platform.portal.internal\/v1alpha1, or namespace ws-team-a does not exist/,
    );
    server.failNext(500, 'etcd timeout');
    await expect(action.handler(mockContext(input).ctx)).rejects.toThrow(
      'Applying Bucket reports failed: etcd timeout',
    );
    await server.stop();
    await expect(action.handler(mockContext(input).ctx)).rejects.toThrow();
    server = await FakeApplyServer.start();
  });

  it('loads the cluster from sandbox.kubernetes on first use', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-'));
    const file = path.join(dir, 'config');
    fs.writeFileSync(file, server.kubeConfig().exportConfig());
    try {
      action = createCrossplaneClaimApplyAction({
        config: mockServices.rootConfig({
          data: {
            sandbox: { kubernetes: { kubeconfigPath: file, context: 'fake' } },
          },
        }),
      });
      await action.handler(
        mockContext({ kind: 'Bucket', name: 'b', namespace: 'ns' }).ctx,
      );
      expect(server.requests[0].path).toBe(
        '/apis/platform.portal.internal/v1alpha1/namespaces/ns/buckets/b',
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('declares described input and output schemas', () => {
    const input = objectSchemaOf(crossplaneClaimApplyInputSchema);
    expect(input.safeParse({ kind: 'Database', name: 'x' }).success).toBe(true);
    expect(input.safeParse({ kind: 'Queue', name: 'x' }).success).toBe(false);
    expect(input.safeParse({ kind: 'Database', name: 'Not_DNS' }).success).toBe(
      false,
    );
    expect(
      objectSchemaOf(crossplaneClaimApplyOutputSchema).safeParse({
        apiVersion: 'a',
        kind: 'k',
        name: 'n',
      }).success,
    ).toBe(true);
  });

  it('validates label values and builds claims the same way the handler does', () => {
    const claim = buildClaim({
      kind: 'Sandbox',
      name: 'sbx-1',
      namespace: 'ws-a',
      spec: { image: 'x', cpu: '1', memory: '1Gi', disk: '1Gi' },
      provider: 'local',
      namespacePrefix: 'ws-',
    });
    expect(validateClaim(claim)).toEqual([]);
    claim.metadata.labels.bad = 'has space';
    expect(validateClaim(claim)).toEqual([
      "metadata.labels: 'bad: has space' is no valid Kubernetes label",
    ]);
  });

  it('is registered by the module', async () => {
    const addActions = jest.fn();
    await startTestBackend({
      extensionPoints: [[scaffolderActionsExtensionPoint, { addActions }]],
      features: [
        scaffolderModuleSandbox,
        mockServices.rootConfig.factory({ data: {} }),
      ],
    });
    expect(
      addActions.mock.calls.flat().map((a: { id: string }) => a.id),
    ).toContain('crossplane:claim:apply');
  });
});
