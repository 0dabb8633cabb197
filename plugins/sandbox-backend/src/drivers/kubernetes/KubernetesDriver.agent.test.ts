import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { SandboxRecord } from '../../database/SandboxStore';
import { InsideService } from '../../inside/InsideService';
import { DriverError, DriverUnavailableError } from '../types';
import { FakeKubeApi } from './__testUtils__/FakeKubeApi';
import { testSpec } from './__testUtils__/sandboxSpec';
import { REPO_ROOT, xrdErrors } from './__testUtils__/xrdSchema';
import { KubernetesDriver } from './KubernetesDriver';

const AGENT = path.join(
  REPO_ROOT,
  'plugins/sandbox-backend/agent/portal-agent.js',
);
const FAST = { pollIntervalMs: 5, readyTimeoutMs: 1000 };
const NS = 'ws-team-a';
const NAME = 'sbx-0123456789abcdef';
const EXTERNAL_ID = `${NS}/${NAME}`;
const TOKEN = 'k8s-agent-token-0123456789';

const spec = testSpec;

/** Plays Crossplane: the XR is Ready and Running unless stopped or paused. */
function playCrossplane(api: FakeKubeApi) {
  api.controller = (obj, plural) => {
    if (plural !== 'sandboxes') return;
    const running = obj.spec.replicas !== 0 && !obj.spec.paused;
    let phase = 'Running';
    if (!running) phase = obj.spec.paused ? 'Paused' : 'Stopped';
    obj.status = {
      phase,
      replicas: running ? 1 : 0,
      connection: {
        agentPort: 7070,
        agentSecretName: `${obj.metadata.name}-agent`,
      },
      conditions: [
        { type: 'Synced', status: 'True', reason: 'ReconcileSuccess' },
        { type: 'Ready', status: 'True', reason: 'Available' },
      ],
    };
  };
}

/** The sandbox pod as the StatefulSet makes it, its agent on `port` of `ip`. */
function sandboxPod(
  port: number,
  overrides: {
    phase?: string;
    ready?: boolean;
    ip?: string;
    agentPort?: boolean;
  } = {},
) {
  return {
    metadata: {
      name: `${NAME}-0`,
      uid: 'pod-uid-1',
      labels: { 'platform.portal.internal/sandbox': NAME },
    },
    spec: {
      containers: [
        {
          name: 'sandbox',
          image: spec.image,
          ports:
            overrides.agentPort === false
              ? []
              : [{ name: 'agent', containerPort: port }],
        },
      ],
    },
    status: {
      phase: overrides.phase ?? 'Running',
      podIP: overrides.ip ?? '127.0.0.1',
      conditions: [
        { type: 'Ready', status: overrides.ready === false ? 'False' : 'True' },
      ],
    },
  };
}

function freePort(): Promise<number> {
  return new Promise(resolve => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** The real agent in TCP mode on loopback, as the composition's container command runs it. */
function startAgent(port: number, cwd: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      AGENT,
      '--listen',
      `127.0.0.1:${port}`,
      '--token-env',
      'PORTAL_AGENT_TOKEN',
      '--ready-line',
      'READY',
      '--',
      'sleep',
      '60',
    ],
    {
      cwd,
      env: { ...process.env, PORTAL_AGENT_TOKEN: TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`agent not ready: ${out}`)),
      10_000,
    );
    child.stdout!.on('data', c => {
      out += c;
      if (out.includes('READY')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.stderr!.on('data', c => (out += c));
    child.on('exit', code => reject(new Error(`agent exited ${code}: ${out}`)));
  });
}

describe('KubernetesDriver: spec.process and the agent endpoint', () => {
  let api: FakeKubeApi;
  let driver: KubernetesDriver;

  beforeEach(async () => {
    api = await FakeKubeApi.start();
    api.validate = obj => xrdErrors(obj);
    playCrossplane(api);
    driver = new KubernetesDriver({ kubeConfig: api.kubeConfig(), ...FAST });
  });

  afterEach(async () => {
    await api.stop();
  });

  it('puts SandboxSpec.process into the XR as spec.process (valid against the XRD)', async () => {
    const instance = await driver.create({
      ...spec,
      process: {
        command: ['python3', '-m', 'http.server', '60000'],
        workingDir: '/workspace/app',
        uid: 10001,
      },
    });
    const xr = api.get('sandboxes', NS, NAME)!;
    expect(xr.spec.process).toEqual({
      command: ['python3', '-m', 'http.server', '60000'],
      workingDir: '/workspace/app',
      runAsUser: 10001,
      runAsGroup: 10001,
    });
    expect(instance.limits?.user).toBe('10001:10001');
    expect(xrdErrors({ ...xr, status: undefined })).toEqual([]);
  });

  it('leaves spec.process out without a process, and refuses root before writing anything', async () => {
    await driver.create(spec);
    expect(api.get('sandboxes', NS, NAME)!.spec).not.toHaveProperty('process');
    expect((await driver.inspect(EXTERNAL_ID))?.limits?.user).toBe('1000:1000');
    await driver.remove(EXTERNAL_ID);
    for (const process of [
      { command: ['sh'], uid: 0 },
      { command: ['sh'], uid: 1000, gid: 0 },
    ]) {
      await expect(driver.create({ ...spec, process })).rejects.toThrow(
        new DriverError(
          `process.${
            process.uid === 0 ? 'uid' : 'gid'
          }: 0 is refused on Kubernetes (sandboxes never run as root; use 1 or more)`,
        ),
      );
    }
    await expect(
      driver.create({ ...spec, process: { command: [] } }),
    ).rejects.toThrow(/process.command/);
    expect(api.requestsTo('POST', /sandboxes$/)).toHaveLength(1);
  });

  it('the XRD refuses root and a relative workingDir (the API server would)', () => {
    const xr = (process: object) => ({
      apiVersion: 'platform.portal.internal/v1alpha1',
      kind: 'Sandbox',
      metadata: { name: NAME },
      spec: { image: 'x', cpu: '1', memory: '1Gi', disk: '1Gi', process },
    });
    expect(xrdErrors(xr({ command: ['sh'], runAsUser: 0 }))).toEqual([
      '/spec/process/runAsUser must be >= 1',
    ]);
    expect(xrdErrors(xr({ command: ['sh'], runAsGroup: 0 }))).toEqual([
      '/spec/process/runAsGroup must be >= 1',
    ]);
    expect(xrdErrors(xr({ command: [] }))).toEqual([
      '/spec/process/command must NOT have fewer than 1 items',
    ]);
    expect(xrdErrors(xr({ command: ['sh'], workingDir: 'rel' }))).toEqual([
      '/spec/process/workingDir must match pattern "^/"',
    ]);
  });

  describe('with the real agent on loopback (TCP mode)', () => {
    let agent: ChildProcess;
    let port: number;
    let dir: string;

    beforeAll(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'h9-k8s-agent-'));
      port = await freePort();
      agent = await startAgent(port, dir);
    });

    afterAll(() => {
      agent.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });

    it('returns pod IP, agent port and token of a Running and Ready pod; InsideService runs commands through it', async () => {
      await driver.create(spec);
      api.addPod(NS, sandboxPod(port));
      api.addSecret(NS, `${NAME}-agent`, { token: TOKEN });

      const endpoint = await driver.agentEndpoint(EXTERNAL_ID);
      expect(endpoint).toEqual({
        kind: 'tcp',
        host: '127.0.0.1',
        port,
        token: TOKEN,
      });

      const record = {
        id: spec.id,
        name: spec.name,
        state: 'running',
        externalId: EXTERNAL_ID,
      } as SandboxRecord;
      const inside = new InsideService({
        getRecord: async () => record,
        driver,
        portUrl: (id, p) =>
          `http://portal/api/sandbox/sandboxes/${id}/ports/${p}/`,
      });
      const result = await inside.exec(spec.id, {
        command: [
          'sh',
          '-c',
          'echo "out:$(cat)"; echo err >&2; echo "token:[$PORTAL_AGENT_TOKEN]"; exit 3',
        ],
        stdin: 'via the pod',
        timeoutSeconds: 10,
      });
      expect(result).toMatchObject({
        exitCode: 3,
        stdout: 'out:via the pod\ntoken:[]\n',
        stderr: 'err\n',
        timedOut: false,
      });
      await inside.writeFile(
        spec.id,
        path.join(dir, 'hello.txt'),
        'from the portal',
      );
      const read = await inside.readFile(spec.id, path.join(dir, 'hello.txt'));
      const chunks: Buffer[] = [];
      for await (const c of read.stream) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('from the portal');

      // the exec above and the file calls reused the endpoint: no extra API reads within the cache
      expect(api.requestsTo('GET', /\/secrets\//)).toHaveLength(1);
    });

    it('answers the readiness probe (/healthz) without a token, and nothing else', async () => {
      const probe = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(probe.status).toBe(200);
      expect(await probe.json()).toEqual({ ok: true });
      expect((await fetch(`http://127.0.0.1:${port}/v1/health`)).status).toBe(
        401,
      );
      expect((await fetch(`http://127.0.0.1:${port}/healthz?x=1`)).status).toBe(
        401,
      );
    });

    it('the agent refuses a wrong token (401), and InsideService reports it', async () => {
      await driver.create(spec);
      api.addPod(NS, sandboxPod(port));
      api.addSecret(NS, `${NAME}-agent`, { token: 'not-the-token' });
      const record = {
        id: spec.id,
        name: spec.name,
        state: 'running',
        externalId: EXTERNAL_ID,
      } as SandboxRecord;
      const inside = new InsideService({
        getRecord: async () => record,
        driver,
        portUrl: () => '',
      });
      await expect(
        inside.exec(spec.id, { command: ['true'], timeoutSeconds: 5 }),
      ).rejects.toMatchObject({ status: 401 });
    });
  });

  it('is undefined unless the sandbox runs and its pod is Running and Ready with an agent port and token', async () => {
    const cacheless = new KubernetesDriver({
      kubeConfig: api.kubeConfig(),
      ...FAST,
      agentEndpointCacheMs: 0,
    });
    expect(await cacheless.agentEndpoint(EXTERNAL_ID)).toBeUndefined(); // no XR
    await cacheless.create(spec);
    expect(await cacheless.agentEndpoint(EXTERNAL_ID)).toBeUndefined(); // no pod yet
    api.addSecret(NS, `${NAME}-agent`, { token: TOKEN });
    for (const overrides of [
      { phase: 'Pending' },
      { ready: false },
      { ip: '' },
      { agentPort: false },
    ]) {
      api.addPod(NS, sandboxPod(7070, overrides));
      expect(await cacheless.agentEndpoint(EXTERNAL_ID)).toBeUndefined();
    }
    api.addPod(NS, sandboxPod(7070, { ip: '10.1.2.3' }));
    expect(await cacheless.agentEndpoint(EXTERNAL_ID)).toEqual({
      kind: 'tcp',
      host: '10.1.2.3',
      port: 7070,
      token: TOKEN,
    });

    api.secrets.clear(); // a composition that has not made the Secret yet
    expect(await cacheless.agentEndpoint(EXTERNAL_ID)).toBeUndefined();
    api.addSecret(NS, `${NAME}-agent`, { token: TOKEN });

    await cacheless.pause(EXTERNAL_ID);
    expect(await cacheless.agentEndpoint(EXTERNAL_ID)).toBeUndefined(); // paused
    await cacheless.resume(EXTERNAL_ID);
    expect(await cacheless.agentEndpoint(EXTERNAL_ID)).toMatchObject({
      host: '10.1.2.3',
    });
    await cacheless.stop(EXTERNAL_ID);
    expect(await cacheless.agentEndpoint(EXTERNAL_ID)).toBeUndefined(); // stopped

    // not a portal sandbox
    api.put('sandboxes', {
      ...api.get('sandboxes', NS, NAME),
      metadata: { name: NAME, namespace: NS, labels: {} },
    });
    expect(await cacheless.agentEndpoint(EXTERNAL_ID)).toBeUndefined();
  });

  it('forgets a cached endpoint on pause, and says when RBAC forbids reading the token', async () => {
    await driver.create(spec);
    api.addPod(NS, sandboxPod(7070));
    api.addSecret(NS, `${NAME}-agent`, { token: TOKEN });
    expect(await driver.agentEndpoint(EXTERNAL_ID)).toBeDefined();
    await driver.pause(EXTERNAL_ID);
    expect(await driver.agentEndpoint(EXTERNAL_ID)).toBeUndefined();
    await driver.resume(EXTERNAL_ID);
    api.failNext(
      'GET',
      /\/secrets\//,
      403,
      'secrets "sbx-0123456789abcdef-agent" is forbidden',
    );
    const error = await driver.agentEndpoint(EXTERNAL_ID).catch(e => e);
    expect(error).toBeInstanceOf(DriverUnavailableError);
    expect(error.message).toMatch(
      /reading the agent token ws-team-a\/sbx-0123456789abcdef-agent.*HTTP 403/,
    );
  });
});
