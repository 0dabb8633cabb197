import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { createDriver } from '../createDriver';
import { DriverError, DriverUnavailableError, SandboxSpec } from '../types';
import { FakeKubeApi } from './__testUtils__/FakeKubeApi';
import { testSpec } from './__testUtils__/sandboxSpec';
import { xrdErrors } from './__testUtils__/xrdSchema';
import {
  KubernetesDriver,
  exitCodeOf,
  parseCpu,
  parseMemory,
} from './KubernetesDriver';
import { KubernetesWorkspaceProvisioner } from './KubernetesWorkspaceProvisioner';
import { loadKubeConfig } from './kubeClient';

const FAST = { pollIntervalMs: 5, readyTimeoutMs: 2000 };

function specFor(overrides: Partial<SandboxSpec> = {}): SandboxSpec {
  return {
    ...testSpec,
    env: { FOO: 'bar' },
    labels: { ...testSpec.labels, 'portal.sandbox/template': 'python' },
    ...overrides,
  };
}

/**
 * Plays Crossplane and the StatefulSet controller: a Sandbox with replicas 1 becomes Ready with
 * its pod `<name>-0`, with replicas 0 it is Stopped (Ready too: nothing to wait for).
 */
function playCrossplane(
  api: FakeKubeApi,
  options: { delayReads?: number } = {},
) {
  const reads = new Map<string, number>();
  api.controller = (obj, plural) => {
    if (plural !== 'sandboxes') return;
    const name = obj.metadata.name;
    const n = (reads.get(name) ?? 0) + 1;
    reads.set(name, n);
    if (n <= (options.delayReads ?? 1)) {
      obj.status = {
        phase: 'Pending',
        message: 'waiting for the sandbox pod to be ready',
        conditions: [
          { type: 'Synced', status: 'True', reason: 'ReconcileSuccess' },
          {
            type: 'Ready',
            status: 'False',
            reason: 'Creating',
            message: 'Unready resources: sandbox',
          },
        ],
      };
      return;
    }
    const running = obj.spec.replicas !== 0;
    obj.status = {
      phase: running ? 'Running' : 'Stopped',
      replicas: running ? 1 : 0,
      ...(running ? { podName: `${name}-0` } : {}),
      conditions: [
        { type: 'Synced', status: 'True', reason: 'ReconcileSuccess' },
        {
          type: 'Ready',
          status: 'True',
          reason: 'Available',
          lastTransitionTime: '2030-01-01T10:00:00Z',
        },
      ],
    };
    const podKey = `${obj.metadata.namespace}/${name}-0`;
    if (running && !api.pods.has(podKey)) {
      api.addPod(
        obj.metadata.namespace,
        {
          metadata: {
            name: `${name}-0`,
            labels: { 'platform.portal.internal/sandbox': name },
          },
          status: { phase: 'Running' },
        },
        `sandbox ${name} started\nline 2\nline 3\n`,
      );
    }
    if (!running) api.pods.delete(podKey);
  };
}

describe('KubernetesDriver against a fake API server', () => {
  let api: FakeKubeApi;
  let driver: KubernetesDriver;

  beforeEach(async () => {
    api = await FakeKubeApi.start();
    api.validate = obj => xrdErrors(obj);
    driver = new KubernetesDriver({ kubeConfig: api.kubeConfig(), ...FAST });
  });

  afterEach(async () => {
    await api.stop();
  });

  it('creates the Sandbox XR exactly as the XRD expects and reports it running once Ready', async () => {
    playCrossplane(api, { delayReads: 2 });
    const lines: string[] = [];
    const instance = await driver.create(
      specFor({
        network: true,
        repo: { url: 'https://github.com/example/app.git', ref: 'main' },
      }),
      { info: m => lines.push(m) },
    );

    const [post] = api.requestsTo('POST', /sandboxes$/);
    expect(post.path).toBe(
      '/apis/platform.portal.internal/v1alpha1/namespaces/ws-team-a/sandboxes',
    );
    expect(post.body).toEqual({
      apiVersion: 'platform.portal.internal/v1alpha1',
      kind: 'Sandbox',
      metadata: {
        name: 'sbx-0123456789abcdef',
        namespace: 'ws-team-a',
        labels: {
          'portal.sandbox/id': '0123456789abcdef',
          'portal.sandbox/name': 'my-box',
          'portal.sandbox/workspace': 'team-a',
          'portal.sandbox/owner': 'user_default_jane',
          'portal.sandbox/template': 'python',
          'portal.sandbox/managed': 'true',
        },
        annotations: {
          'portal.sandbox/labels': JSON.stringify({
            'portal.sandbox/id': '0123456789abcdef',
            'portal.sandbox/name': 'my-box',
            'portal.sandbox/workspace': 'team-a',
            'portal.sandbox/owner': 'user:default/jane',
            'portal.sandbox/template': 'python',
            'portal.sandbox/managed': 'true',
          }),
        },
      },
      spec: {
        crossplane: {
          compositionSelector: { matchLabels: { provider: 'local' } },
        },
        image: 'portal-sandbox/python:latest',
        cpu: '500m',
        memory: '512Mi',
        disk: '5Gi',
        pids: 256,
        env: { FOO: 'bar' },
        network: true,
        repo: { url: 'https://github.com/example/app.git', ref: 'main' },
        labels: {
          'portal.sandbox/id': '0123456789abcdef',
          'portal.sandbox/name': 'my-box',
          'portal.sandbox/workspace': 'team-a',
          'portal.sandbox/owner': 'user_default_jane',
          'portal.sandbox/template': 'python',
          'portal.sandbox/managed': 'true',
        },
        replicas: 1,
      },
    });
    expect(xrdErrors(post.body)).toEqual([]);

    expect(instance).toEqual({
      externalId: 'ws-team-a/sbx-0123456789abcdef',
      sandboxId: '0123456789abcdef',
      status: 'running',
      labels: expect.objectContaining({
        'portal.sandbox/owner': 'user:default/jane',
        'portal.sandbox/managed': 'true',
      }),
      limits: {
        cpus: 0.5,
        memoryBytes: 512 * 1024 * 1024,
        pids: 256,
        networkMode: 'egress',
        user: '1000:1000',
      },
      startedAt: '2030-01-01T10:00:00Z',
    });
    expect(lines).toEqual(
      expect.arrayContaining([
        'creating Sandbox ws-team-a/sbx-0123456789abcdef (composition provider=local)',
        'Sandbox ws-team-a/sbx-0123456789abcdef is Pending: waiting for the sandbox pod to be ready',
        'Sandbox ws-team-a/sbx-0123456789abcdef is Running',
      ]),
    );
  });

  it('writes the configured provider, namespace prefix and storage class', async () => {
    playCrossplane(api);
    driver = new KubernetesDriver({
      kubeConfig: api.kubeConfig(),
      provider: 'gcp',
      namespacePrefix: 'portal-',
      storageClassName: 'fast',
      ...FAST,
    });
    const instance = await driver.create(specFor());
    expect(instance.externalId).toBe('portal-team-a/sbx-0123456789abcdef');
    const [post] = api.requestsTo('POST', /sandboxes$/);
    expect(post.body.spec).toMatchObject({
      crossplane: { compositionSelector: { matchLabels: { provider: 'gcp' } } },
      storageClassName: 'fast',
    });
    expect(post.body.spec.repo).toBeUndefined();
    expect(xrdErrors(post.body)).toEqual([]);
    expect(driver.namespaceFor('x')).toBe('portal-x');
  });

  it('fails with the Synced=False message, and deletes the XR it created', async () => {
    api.controller = obj => {
      obj.status = {
        conditions: [
          {
            type: 'Synced',
            status: 'False',
            reason: 'ReconcileError',
            message:
              'cannot select composition: no compositions match the selector provider=local',
          },
        ],
      };
    };
    const error = await driver.create(specFor()).catch(e => e);
    expect(error).toBeInstanceOf(DriverError);
    expect(error.message).toBe(
      'cannot select composition: no compositions match the selector provider=local',
    );
    expect(api.requestsTo('DELETE', /sbx-0123456789abcdef$/)).toHaveLength(1);
    expect(api.objects.size).toBe(0);
  });

  it('fails with the composition’s message when the clone failed', async () => {
    api.controller = obj => {
      obj.status = {
        phase: 'Failed',
        message:
          'cloning https://github.com/example/app.git failed: see the logs of Job sbx-0123456789abcdef-clone',
        conditions: [
          { type: 'Synced', status: 'True' },
          { type: 'Ready', status: 'False' },
        ],
      };
    };
    await expect(driver.create(specFor())).rejects.toThrow(
      /cloning .* failed: see the logs of Job/,
    );
    expect(api.objects.size).toBe(0);
  });

  it('fails fast when the pod cannot pull its image', async () => {
    api.controller = obj => {
      obj.status = {
        phase: 'Pending',
        conditions: [
          { type: 'Synced', status: 'True' },
          { type: 'Ready', status: 'False' },
        ],
      };
    };
    api.addPod('ws-team-a', {
      metadata: {
        name: 'sbx-0123456789abcdef-0',
        labels: { 'platform.portal.internal/sandbox': 'sbx-0123456789abcdef' },
      },
      status: {
        containerStatuses: [
          {
            name: 'sandbox',
            state: {
              waiting: {
                reason: 'ImagePullBackOff',
                message: 'Back-off pulling image "nope"',
              },
            },
          },
        ],
      },
    });
    await expect(driver.create(specFor())).rejects.toThrow(
      'sandbox container cannot start: ImagePullBackOff: Back-off pulling image "nope"',
    );
    expect(api.objects.size).toBe(0);
  });

  it('gives up after the ready timeout with the last message, and cleans up', async () => {
    api.controller = obj => {
      obj.status = {
        message: 'waiting for the sandbox pod to be ready',
        conditions: [
          { type: 'Synced', status: 'True' },
          {
            type: 'Ready',
            status: 'False',
            message: 'Unready resources: sandbox',
          },
        ],
      };
    };
    driver = new KubernetesDriver({
      kubeConfig: api.kubeConfig(),
      pollIntervalMs: 5,
      readyTimeoutMs: 50,
    });
    await expect(driver.create(specFor())).rejects.toThrow(
      'sandbox ws-team-a/sbx-0123456789abcdef did not become ready within 0 s: waiting for the sandbox pod to be ready',
    );
    expect(api.objects.size).toBe(0);
  });

  it('rejects what the API server rejects (invalid spec) as a DriverError', async () => {
    const error = await driver
      .create(specFor({ env: { 'BAD-NAME': 'x' }, image: '' }))
      .catch(e => e);
    expect(error).toBeInstanceOf(DriverError);
    expect(error.message).toMatch(
      /^creating sandbox 0123456789abcdef failed: Sandbox is invalid: .*image/,
    );
  });

  it('refuses ids that cannot name a Kubernetes object', async () => {
    await expect(driver.create(specFor({ id: 'Not_Valid' }))).rejects.toThrow(
      DriverError,
    );
    expect(api.requests).toHaveLength(0);
  });

  it('adopts an existing XR (the reconciler may call create twice), starting it when stopped', async () => {
    playCrossplane(api);
    await driver.create(specFor());
    // concurrent calls share one attempt
    const [a, b] = await Promise.all([
      driver.create(specFor()),
      driver.create(specFor()),
    ]);
    expect(a).toBe(b);
    expect(a.status).toBe('running');

    await driver.stop(a.externalId);
    const restarted = await driver.create(specFor());
    expect(restarted.status).toBe('running');
    expect(
      api.get('sandboxes', 'ws-team-a', 'sbx-0123456789abcdef')?.spec.replicas,
    ).toBe(1);
  });

  it('does not adopt an XR that is being deleted', async () => {
    playCrossplane(api);
    api.holdDeletes = true;
    const instance = await driver.create(specFor());
    await driver.remove(instance.externalId);
    await expect(driver.create(specFor())).rejects.toThrow(
      /still being deleted/,
    );
    expect((await driver.inspect(instance.externalId))?.status).toBe('stopped');
    expect(await driver.list()).toEqual([]);
  });

  it('stops by scaling to zero (keeping the XR and its volume) and starts again', async () => {
    playCrossplane(api);
    const { externalId } = await driver.create(specFor());

    await driver.stop(externalId);
    const [patch] = api.requestsTo('PATCH', /sbx-0123456789abcdef$/);
    expect(patch.contentType).toBe('application/merge-patch+json');
    expect(patch.body).toEqual({ spec: { replicas: 0 } });
    expect(await driver.inspect(externalId)).toMatchObject({
      status: 'stopped',
    });
    await driver.stop(externalId); // already stopped: no second patch
    expect(api.requestsTo('PATCH', /sbx-/)).toHaveLength(1);

    const started = await driver.start(externalId);
    expect(api.requestsTo('PATCH', /sbx-/)[1].body).toEqual({
      spec: { replicas: 1 },
    });
    expect(started.status).toBe('running');
  });

  it('reports a stopping sandbox while its pod still runs', async () => {
    api.put('sandboxes', {
      apiVersion: 'platform.portal.internal/v1alpha1',
      kind: 'Sandbox',
      metadata: {
        name: 'sbx-1',
        namespace: 'ws-a',
        labels: { 'portal.sandbox/managed': 'true', 'portal.sandbox/id': '1' },
      },
      spec: { replicas: 0, cpu: '2', memory: '4Gi', network: false },
      status: { replicas: 1 },
    });
    expect(await driver.inspect('ws-a/sbx-1')).toEqual({
      externalId: 'ws-a/sbx-1',
      sandboxId: '1',
      status: 'stopped',
      message: 'stopping',
      labels: { 'portal.sandbox/managed': 'true', 'portal.sandbox/id': '1' },
      limits: {
        cpus: 2,
        memoryBytes: 4 * 1024 ** 3,
        networkMode: 'none',
        user: '1000:1000',
      },
    });
  });

  it('removes by deleting the XR, and succeeds when it is already gone', async () => {
    playCrossplane(api);
    const { externalId } = await driver.create(specFor());
    await driver.remove(externalId);
    const [del] = api.requestsTo('DELETE', /sbx-0123456789abcdef$/);
    expect(del.query.get('propagationPolicy')).toBe('Foreground');
    expect(await driver.inspect(externalId)).toBeUndefined();
    await driver.remove(externalId);
    expect(api.requestsTo('DELETE', /sbx-/)).toHaveLength(1);
  });

  it('treats a 404 on delete as done', async () => {
    playCrossplane(api);
    const { externalId } = await driver.create(specFor());
    api.failNext('DELETE', /sbx-/, 404, 'gone meanwhile');
    await expect(driver.remove(externalId)).resolves.toBeUndefined();
  });

  it('refuses to touch objects without the managed label, and malformed ids', async () => {
    api.put('sandboxes', {
      kind: 'Sandbox',
      metadata: { name: 'foreign', namespace: 'ws-a', labels: {} },
      spec: {},
    });
    await expect(driver.remove('ws-a/foreign')).rejects.toThrow(
      /not a portal sandbox/,
    );
    await expect(driver.stop('ws-a/foreign')).rejects.toThrow(
      /not a portal sandbox/,
    );
    await expect(driver.start('ws-a/missing')).rejects.toThrow(
      'sandbox ws-a/missing does not exist',
    );
    await expect(driver.inspect('no-slash')).rejects.toThrow(
      /not a Kubernetes sandbox id/,
    );
  });

  it('lists the managed XRs across namespaces by label', async () => {
    playCrossplane(api);
    await driver.create(specFor());
    await driver.create(
      specFor({
        id: 'fedcba9876543210',
        workspace: 'team-b',
        labels: { 'portal.sandbox/id': 'fedcba9876543210' },
      }),
    );
    api.put('sandboxes', {
      kind: 'Sandbox',
      metadata: { name: 'foreign', namespace: 'ws-a', labels: {} },
      spec: {},
    });

    const listed = await driver.list();
    const [get] = api
      .requestsTo(
        'GET',
        /^\/apis\/platform\.portal\.internal\/v1alpha1\/sandboxes$/,
      )
      .slice(-1);
    expect(get.query.get('labelSelector')).toBe('portal.sandbox/managed=true');
    expect(
      listed.map(i => [i.externalId, i.sandboxId, i.status]).sort(),
    ).toEqual([
      ['ws-team-a/sbx-0123456789abcdef', '0123456789abcdef', 'running'],
      ['ws-team-b/sbx-fedcba9876543210', 'fedcba9876543210', 'running'],
    ]);
  });

  it('maps API failures: 403 -> unavailable (RBAC), 500 -> DriverError', async () => {
    api.failNext('GET', /sandboxes$/, 403, 'sandboxes is forbidden');
    await expect(driver.list()).rejects.toThrow(DriverUnavailableError);
    api.failNext('GET', /sandboxes$/, 500, 'etcd timeout');
    await expect(driver.list()).rejects.toThrow(
      new DriverError('listing sandboxes: etcd timeout'),
    );
  });

  describe('exec and logs through the pod', () => {
    let externalId: string;

    beforeEach(async () => {
      playCrossplane(api);
      ({ externalId } = await driver.create(specFor()));
    });

    it('runs the command under timeout, with env and cwd, and collects output and exit code', async () => {
      const seen: string[][] = [];
      api.execHandler = command => {
        seen.push(command);
        return { stdout: 'hello\n', stderr: 'warn\n', exitCode: 3 };
      };
      const result = await driver.exec(externalId, {
        command: ['python', '-c', 'print(1)'],
        env: { A: '1' },
        cwd: '/workspace/app',
        timeoutSeconds: 30,
      });
      expect(seen).toEqual([
        [
          '/bin/sh',
          '-c',
          'cd "$0" && exec "$@"',
          '/workspace/app',
          'env',
          'A=1',
          'timeout',
          '-s',
          'KILL',
          '30',
          'python',
          '-c',
          'print(1)',
        ],
      ]);
      expect(result).toEqual({
        exitCode: 3,
        stdout: 'hello\n',
        stderr: 'warn\n',
        timedOut: false,
        durationMs: expect.any(Number),
      });
      const [ws] = api.requestsTo(
        'WS',
        /\/pods\/sbx-0123456789abcdef-0\/exec$/,
      );
      expect(ws.query.get('container')).toBe('sandbox');
    });

    it('returns exit code 0 on success and caps the output', async () => {
      driver = new KubernetesDriver({
        kubeConfig: api.kubeConfig(),
        ...FAST,
        maxExecOutputBytes: 4,
      });
      api.execHandler = () => ({ stdout: 'abcdefgh', exitCode: 0 });
      const result = await driver.exec(externalId, { command: ['true'] });
      expect(result).toMatchObject({
        exitCode: 0,
        stdout: 'abcd',
        timedOut: false,
      });
    });

    it('fails when the connection closes without a status', async () => {
      api.execHandler = () => ({ hangUp: true });
      await expect(
        driver.exec(externalId, { command: ['true'] }),
      ).rejects.toThrow(/closed before the command finished/);
    });

    it('refuses exec without a command, as another user, or in a stopped sandbox', async () => {
      await expect(driver.exec(externalId, { command: [] })).rejects.toThrow(
        'exec needs a command',
      );
      await expect(
        driver.exec(externalId, { command: ['id'], user: 'root' }),
      ).rejects.toThrow(/not supported on Kubernetes/);
      await driver.stop(externalId);
      await expect(
        driver.exec(externalId, { command: ['true'] }),
      ).rejects.toThrow(/is not running \(stopped\)/);
    });

    it('reads the pod log (tail), and nothing when the pod is gone', async () => {
      expect(await driver.logs(externalId, { tail: 2 })).toBe('line 2\nline 3');
      const [log] = api.requestsTo('GET', /\/log$/);
      expect(log.query.get('container')).toBe('sandbox');
      expect(log.query.get('tailLines')).toBe('2');
      expect(await driver.logs(externalId)).toContain(
        'sandbox sbx-0123456789abcdef started',
      );
      await driver.stop(externalId);
      expect(await driver.logs(externalId)).toBe('');
    });
  });

  describe('healthCheck', () => {
    it('passes when the Sandbox API is served', async () => {
      await expect(driver.healthCheck()).resolves.toBeUndefined();
    });

    it('says to install the XRDs when the API is not served', async () => {
      api.failNext(
        'GET',
        /sandboxes$/,
        404,
        'the server could not find the requested resource',
      );
      await expect(driver.healthCheck()).rejects.toThrow(
        new DriverUnavailableError(
          `the cluster at ${api.baseUrl} does not serve sandboxes.platform.portal.internal: install the XRDs and compositions of k8s/crossplane (docs/operators/kubernetes.md)`,
        ),
      );
    });

    it('reports an unreachable cluster or an unexpected answer as unavailable', async () => {
      api.failNext('GET', /sandboxes$/, 500, 'boom');
      await expect(driver.healthCheck()).rejects.toThrow(
        DriverUnavailableError,
      );
      const url = api.baseUrl;
      await api.stop();
      const error = await driver.healthCheck().catch(e => e);
      expect(error).toBeInstanceOf(DriverUnavailableError);
      expect(error.message).toContain(`Kubernetes API at ${url} unreachable`);
      api = await FakeKubeApi.start(); // for afterEach
    });
  });

  describe('with workspace provisioning', () => {
    it('creates and waits for the Workspace XR before the first sandbox of a workspace', async () => {
      playCrossplane(api);
      const wsReads = { n: 0 };
      const base = api.controller!;
      api.controller = (obj, plural) => {
        if (plural === 'workspaces') {
          wsReads.n++;
          obj.status = {
            namespace: obj.metadata.name,
            phase: 'Active',
            conditions: [
              { type: 'Synced', status: 'True' },
              { type: 'Ready', status: 'True' },
            ],
          };
        } else base(obj, plural);
      };
      driver = new KubernetesDriver({
        kubeConfig: api.kubeConfig(),
        ...FAST,
        workspaces: new KubernetesWorkspaceProvisioner({
          kubeConfig: api.kubeConfig(),
          provider: 'local',
          pollIntervalMs: 5,
        }),
      });
      await driver.create(specFor());
      const posts = api.requests
        .filter(r => r.method === 'POST')
        .map(r => r.path);
      expect(posts).toEqual([
        '/apis/platform.portal.internal/v1alpha1/workspaces',
        '/apis/platform.portal.internal/v1alpha1/namespaces/ws-team-a/sandboxes',
      ]);
      expect(xrdErrors(api.requestsTo('POST', /workspaces$/)[0].body)).toEqual(
        [],
      );
      expect(wsReads.n).toBeGreaterThan(0);
    });
  });
});

describe('KubernetesDriver.fromConfig and createDriver', () => {
  let api: FakeKubeApi;
  let dir: string;
  let kubeconfigPath: string;

  beforeEach(async () => {
    api = await FakeKubeApi.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-'));
    kubeconfigPath = path.join(dir, 'config');
    fs.writeFileSync(kubeconfigPath, api.kubeConfig().exportConfig());
  });

  afterEach(async () => {
    await api.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads sandbox.kubernetes and talks to the configured cluster', async () => {
    const config = new ConfigReader({
      sandbox: {
        driver: 'kubernetes',
        kubernetes: {
          kubeconfigPath,
          context: 'fake',
          provider: 'aws',
          namespacePrefix: 'team-',
          storageClass: 'gp3',
          readyTimeoutSeconds: 1,
          pollIntervalMs: 5,
          workspaceQuota: {
            cpus: 4,
            memoryMiB: 8192,
            storageGiB: 50,
            maxSandboxes: 3,
          },
          serviceAccount: { name: 'portal', namespace: 'backstage' },
        },
      },
    });
    const driver = createDriver(
      config,
      mockServices.logger.mock(),
    ) as KubernetesDriver;
    expect(driver).toBeInstanceOf(KubernetesDriver);
    expect(driver.name).toBe('kubernetes');
    expect(driver.provider).toBe('aws');
    expect(driver.namespaceFor('a')).toBe('team-a');
    await driver.healthCheck();

    // the Workspace it would create carries the configured quota and ServiceAccount
    api.controller = (obj, plural) => {
      if (plural === 'workspaces')
        obj.status = {
          conditions: [
            { type: 'Synced', status: 'False', message: 'no composition' },
          ],
        };
    };
    await expect(driver.create(specFor())).rejects.toThrow(
      'workspace team-team-a failed: no composition',
    );
    const [ws] = api.requestsTo('POST', /workspaces$/);
    expect(ws.body.spec).toEqual({
      crossplane: { compositionSelector: { matchLabels: { provider: 'aws' } } },
      displayName: 'team-a',
      quota: { cpu: '4', memory: '8192Mi', storage: '50Gi', maxSandboxes: 3 },
      portalServiceAccount: { name: 'portal', namespace: 'backstage' },
    });
    expect(xrdErrors(ws.body)).toEqual([]);
  });

  it('can skip workspace provisioning and rejects unknown providers', async () => {
    const driver = KubernetesDriver.fromConfig(
      new ConfigReader({
        sandbox: { kubernetes: { kubeconfigPath, ensureWorkspaces: false } },
      }),
    );
    api.controller = obj => {
      obj.status = {
        conditions: [{ type: 'Synced', status: 'False', message: 'x' }],
      };
    };
    await expect(driver.create(specFor())).rejects.toThrow('x');
    expect(api.requestsTo('POST', /workspaces$/)).toHaveLength(0);
    expect(() =>
      KubernetesDriver.fromConfig(
        new ConfigReader({
          sandbox: { kubernetes: { kubeconfigPath, provider: 'ibm' } },
        }),
      ),
    ).toThrow(
      "sandbox.kubernetes.provider 'ibm' is not one of aws, gcp, azure, local",
    );
  });

  it('uses the in-cluster ServiceAccount when asked or when running in a pod, else the default kubeconfig', () => {
    const saved = { ...process.env };
    try {
      process.env.KUBERNETES_SERVICE_HOST = '10.0.0.1';
      process.env.KUBERNETES_SERVICE_PORT = '443';
      const inCluster = (c: object) =>
        loadKubeConfig(new ConfigReader(c)).getCurrentCluster()?.server;
      expect(inCluster({ sandbox: { kubernetes: { inCluster: true } } })).toBe(
        'https://10.0.0.1:443',
      );
      expect(inCluster({})).toBe('https://10.0.0.1:443');
      process.env.KUBECONFIG = kubeconfigPath;
      expect(inCluster({ sandbox: { kubernetes: { inCluster: false } } })).toBe(
        api.baseUrl,
      );
      delete process.env.KUBERNETES_SERVICE_HOST;
      expect(inCluster({})).toBe(api.baseUrl);
    } finally {
      process.env = saved;
    }
  });
});

describe('helpers', () => {
  it('parses quantities and exec statuses', () => {
    expect(parseCpu('250m')).toBe(0.25);
    expect(parseCpu('3')).toBe(3);
    expect(parseMemory('1Gi')).toBe(1024 ** 3);
    expect(parseMemory('10')).toBe(10);
    expect(parseMemory('1.5G')).toBeNaN();
    expect(exitCodeOf({ status: 'Success' })).toBe(0);
    expect(
      exitCodeOf({
        status: 'Failure',
        details: { causes: [{ reason: 'ExitCode', message: '137' }] },
      }),
    ).toBe(137);
    expect(() =>
      exitCodeOf({ status: 'Failure', message: 'container not found' }),
    ).toThrow('exec failed: container not found');
  });
});
