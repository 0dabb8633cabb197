import { DriverError } from '../types';
import { FakeKubeApi } from './__testUtils__/FakeKubeApi';
import { xrdErrors } from './__testUtils__/xrdSchema';
import { KubernetesWorkspaceProvisioner } from './KubernetesWorkspaceProvisioner';

const READY = {
  namespace: 'ws-team-a',
  phase: 'Active',
  conditions: [
    { type: 'Synced', status: 'True' },
    { type: 'Ready', status: 'True' },
  ],
};

describe('KubernetesWorkspaceProvisioner', () => {
  let api: FakeKubeApi;
  let provisioner: KubernetesWorkspaceProvisioner;

  beforeEach(async () => {
    api = await FakeKubeApi.start();
    api.validate = obj => xrdErrors(obj);
    provisioner = new KubernetesWorkspaceProvisioner({
      kubeConfig: api.kubeConfig(),
      provider: 'azure',
      serviceAccount: { name: 'sandbox-portal', namespace: 'sandbox-portal' },
      pollIntervalMs: 5,
      readyTimeoutMs: 200,
    });
  });

  afterEach(async () => {
    await api.stop();
  });

  it('creates the Workspace XR exactly as the XRD expects and waits until it is Ready', async () => {
    let reads = 0;
    api.controller = obj => {
      obj.status =
        ++reads > 2
          ? READY
          : {
              phase: 'Pending',
              conditions: [{ type: 'Ready', status: 'False' }],
            };
    };
    const ensured = await provisioner.ensureWorkspace(
      'team-a',
      {
        cpus: 16,
        memoryMiB: 32768,
        storageGiB: 500,
        maxSandboxes: 20,
        maxDatabases: 0,
        maxBuckets: 3,
      },
      { members: [{ kind: 'Group', name: 'team-a' }], displayName: 'Team A' },
    );
    expect(ensured).toEqual({
      name: 'ws-team-a',
      namespace: 'ws-team-a',
      created: true,
    });
    const [post] = api.requestsTo('POST', /workspaces$/);
    expect(post.body).toEqual({
      apiVersion: 'platform.portal.internal/v1alpha1',
      kind: 'Workspace',
      metadata: {
        name: 'ws-team-a',
        labels: { 'portal.sandbox/workspace': 'team-a' },
      },
      spec: {
        crossplane: {
          compositionSelector: { matchLabels: { provider: 'azure' } },
        },
        displayName: 'Team A',
        quota: {
          cpu: '16',
          memory: '32768Mi',
          storage: '500Gi',
          maxSandboxes: 20,
          maxDatabases: 0,
          maxBuckets: 3,
        },
        members: [{ kind: 'Group', name: 'team-a' }],
        portalServiceAccount: {
          name: 'sandbox-portal',
          namespace: 'sandbox-portal',
        },
      },
    });
    expect(xrdErrors(post.body)).toEqual([]);
    expect(provisioner.namespaceFor('team-a')).toBe('ws-team-a');
  });

  it('returns at once for a Ready workspace, and patches the quota when one is given', async () => {
    api.controller = obj => {
      obj.status = READY;
    };
    await provisioner.ensureWorkspace('team-a');
    const again = await provisioner.ensureWorkspace('team-a');
    expect(again.created).toBe(false);
    expect(api.requestsTo('POST', /workspaces$/)).toHaveLength(1);
    expect(api.requestsTo('PATCH', /workspaces/)).toHaveLength(0);

    await provisioner.ensureWorkspace('team-a', {
      cpus: 2,
      memoryMiB: 4096,
      maxSandboxes: 1,
    });
    const [patch] = api.requestsTo('PATCH', /workspaces\/ws-team-a$/);
    expect(patch.contentType).toBe('application/merge-patch+json');
    expect(patch.body).toEqual({
      spec: {
        quota: {
          cpu: '2',
          memory: '4096Mi',
          storage: '100Gi',
          maxSandboxes: 1,
        },
      },
    });
    expect(
      api.get('workspaces', undefined, 'ws-team-a')?.spec.quota.maxSandboxes,
    ).toBe(1);
  });

  it('shares one attempt between concurrent calls', async () => {
    api.controller = obj => {
      obj.status = READY;
    };
    const [a, b] = await Promise.all([
      provisioner.ensureWorkspace('team-a'),
      provisioner.ensureWorkspace('team-a'),
    ]);
    expect(a).toBe(b);
    expect(api.requestsTo('POST', /workspaces$/)).toHaveLength(1);
  });

  it('fails with the Synced=False message, on timeout, and when the XR disappears', async () => {
    api.controller = obj => {
      obj.status = {
        conditions: [
          {
            type: 'Synced',
            status: 'False',
            reason: 'ReconcileError',
            message: 'cannot compose: quota',
          },
        ],
      };
    };
    await expect(provisioner.ensureWorkspace('team-a')).rejects.toThrow(
      new DriverError('workspace ws-team-a failed: cannot compose: quota'),
    );

    api.controller = obj => {
      obj.status = {
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            message: 'Unready resources: namespace',
          },
        ],
      };
    };
    await expect(provisioner.ensureWorkspace('team-b')).rejects.toThrow(
      'workspace ws-team-b is not ready after 0 s: Unready resources: namespace',
    );

    api.controller = (obj, plural) => {
      if (plural === 'workspaces')
        api.objects.delete(api.key('workspaces', undefined, obj.metadata.name));
    };
    api.failNext('GET', /workspaces\/ws-team-c$/, 404, 'not found'); // first read: absent, so it creates
    await expect(provisioner.ensureWorkspace('team-c')).rejects.toThrow(
      /was deleted while waiting/,
    );
  });

  it('adopts a Workspace created concurrently by another replica (409)', async () => {
    api.controller = obj => {
      obj.status = READY;
    };
    api.failNext('POST', /workspaces$/, 409, 'already exists');
    api.put('workspaces', {
      kind: 'Workspace',
      metadata: { name: 'ws-team-a' },
      spec: {},
    });
    api.failNext('GET', /workspaces\/ws-team-a$/, 404, 'not yet');
    const ensured = await provisioner.ensureWorkspace('team-a');
    expect(ensured).toEqual({
      name: 'ws-team-a',
      namespace: 'ws-team-a',
      created: false,
    });
  });

  it('maps API errors and removes workspaces idempotently', async () => {
    api.failNext('GET', /workspaces/, 500, 'etcd down');
    await expect(provisioner.ensureWorkspace('team-a')).rejects.toThrow(
      'reading workspace ws-team-a: etcd down',
    );
    api.failNext('POST', /workspaces$/, 422, 'invalid');
    await expect(provisioner.ensureWorkspace('team-a')).rejects.toThrow(
      'creating workspace ws-team-a: invalid',
    );
    api.put('workspaces', {
      kind: 'Workspace',
      metadata: { name: 'ws-team-a' },
      spec: {},
    });
    api.failNext('PATCH', /workspaces/, 403, 'forbidden');
    await expect(
      provisioner.ensureWorkspace('team-a', {
        cpus: 1,
        memoryMiB: 1024,
        maxSandboxes: 1,
      }),
    ).rejects.toThrow(/may not do this/);

    await provisioner.removeWorkspace('team-a');
    expect(api.objects.size).toBe(0);
    await provisioner.removeWorkspace('team-a');
    api.failNext('DELETE', /workspaces/, 500, 'boom');
    await expect(provisioner.removeWorkspace('team-a')).rejects.toThrow(
      'deleting workspace ws-team-a: boom',
    );
  });

  it('rejects workspace names that make no namespace', async () => {
    await expect(provisioner.ensureWorkspace('Team_A')).rejects.toThrow(
      /no valid namespace name/,
    );
  });
});
