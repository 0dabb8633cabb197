import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { mockServices } from '@backstage/backend-test-utils';
import { ConflictError, ServiceUnavailableError } from '@backstage/errors';
import express from 'express';
import http from 'node:http';
import net, { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import request from 'supertest';
import { createHarness } from '../__testUtils__/harness';
import { ApiKeyService, DatabaseApiKeyStore } from '../apikeys';
import { credentialsOf, labelValue, OpenHandsService, parseGatewayPath, registerOpenHands } from '.';
import { InsidePorts, PortTarget } from './types';

const AGENT_IMAGE = 'ghcr.io/openhands/agent-server:1.2.3-python';

/**
 * Stands in for InsideService: every sandbox gets a small HTTP server playing the agent server
 * (port 60000: /alive, /health, an authenticated command endpoint; other ports echo the port and
 * path), reached only while the sandbox is running, like the real service.
 */
class FakeInside implements InsidePorts {
  readonly servers = new Map<string, http.Server>();
  /** Sandboxes whose agent server is not listening yet. */
  readonly down = new Set<string>();
  constructor(private readonly getRecord: (id: string) => Promise<{ name: string; state: string; env: Record<string, string> }>) {}

  async openPortStream(sandboxId: string, port: number): Promise<Duplex> {
    const record = await this.getRecord(sandboxId);
    if (record.state === 'paused') throw new ConflictError(`Sandbox '${record.name}' is paused; resume it first`);
    if (record.state !== 'running') throw new ConflictError(`Sandbox '${record.name}' is ${record.state}`);
    if (this.down.has(sandboxId)) throw new ServiceUnavailableError(`port ${port}: connection refused`);
    const server = await this.serverOf(sandboxId, record.env.SESSION_API_KEY);
    const socket = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
    socket.write(`X-Port: ${port}\n`);
    return socket;
  }

  async proxyHttp(req: http.IncomingMessage, res: http.ServerResponse, target: PortTarget) {
    const stream = await this.openPortStream(target.sandboxId, target.port);
    await new Promise<void>(resolve => {
      const upstream = http.request(
        { createConnection: () => stream as any, method: req.method, path: target.path, headers: { ...req.headers, 'x-forwarded-prefix': target.prefix } },
        answer => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res).on('finish', () => resolve());
        },
      );
      req.pipe(upstream);
    });
  }

  async proxyUpgrade(_req: http.IncomingMessage, socket: Duplex, head: Buffer, target: PortTarget) {
    await this.openPortStream(target.sandboxId, target.port).then(s => s.destroy());
    // an echo "WebSocket": the switch, then every byte back
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nx-path: ${target.path}\r\n\r\n`);
    if (head.length) socket.write(head);
    socket.pipe(socket);
  }

  private async serverOf(sandboxId: string, key: string): Promise<http.Server> {
    const existing = this.servers.get(sandboxId);
    if (existing) return existing;
    // the first line of each connection says which port inside it is for
    const app = http.createServer((req, res) => {
      const port = Number((req.socket as any).insidePort);
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (port !== 60000) return json(200, { port, path: req.url, prefix: req.headers['x-forwarded-prefix'] });
      if (req.url === '/alive' || req.url === '/health') return json(200, { status: 'ok' });
      if (req.headers['x-session-api-key'] !== key) return json(401, { detail: 'Unauthorized' });
      let body = '';
      req.on('data', c => (body += c));
      req.on('end', () => json(200, { kind: 'BashOutput', exit_code: 0, stdout: `ran ${JSON.parse(body).command}` }));
      return undefined;
    });
    const server = net.createServer(socket => {
      let buffered = '';
      const onData = (chunk: Buffer) => {
        buffered += chunk.toString('latin1');
        const nl = buffered.indexOf('\n');
        if (nl < 0) return;
        socket.off('data', onData);
        (socket as any).insidePort = /X-Port: (\d+)/.exec(buffered.slice(0, nl))?.[1];
        const rest = Buffer.from(buffered.slice(nl + 1), 'latin1');
        app.emit('connection', socket);
        if (rest.length) socket.unshift(rest);
      };
      socket.on('data', onData);
    }) as unknown as http.Server;
    await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
    this.servers.set(sandboxId, server);
    return server;
  }

  close() {
    for (const s of this.servers.values()) s.close();
  }
}

async function setup(options: { allowedImages?: string[]; inside?: boolean } = {}) {
  const h = await createHarness();
  const apiKeys = new ApiKeyService({ store: new DatabaseApiKeyStore(h.knex), clock: h.clock });
  const inside = new FakeInside(id => h.service.getRecord(id));
  const routers: express.Router[] = [];
  const policies: string[] = [];
  const hooks: Array<() => Promise<void>> = [];
  const openhands = (await registerOpenHands({
    config: mockServices.rootConfig({
      data: {
        sandbox: {
          openhands: {
            enabled: true,
            allowedImages: options.allowedImages ?? ['ghcr.io/openhands/agent-server:*'],
            network: false,
            gateway: { host: '127.0.0.1', port: 0 },
            resourceFactors: [{ factor: 16, size: 'large' }],
          },
        },
      },
    }),
    knex: h.knex,
    logger: h.logger,
    lifecycle: { addShutdownHook: (hook: any) => hooks.push(hook), addStartupHook: () => {} } as any,
    httpRouter: { use: (r: any) => routers.push(r), addAuthPolicy: (p: any) => policies.push(`${p.path}:${p.allow}`) } as any,
    apiKeys,
    audit: h.audit,
    sandboxes: h.service,
    inside: options.inside === false ? undefined : inside,
    templates: { python: { image: 'portal-sandbox/python:latest' }, agent: { image: AGENT_IMAGE, env: { A: '1' } } },
    clock: h.clock,
  }))!;
  const app = express();
  app.use(...routers);
  app.use(MiddlewareFactory.create({ config: mockServices.rootConfig(), logger: h.logger }).error({ showStackTraces: false }));
  const { key } = await apiKeys.create('team-a', { name: 'oh' }, 'user:default/ada');
  const { key: otherKey } = await apiKeys.create('team-b', { name: 'oh' }, 'user:default/bob');
  const api = (method: 'get' | 'post', path: string, apiKey = key) =>
    request(app)[method](`/openhands${path}`).set('X-API-Key', apiKey);
  const close = async () => {
    for (const hook of hooks) await hook();
    inside.close();
  };
  return { ...h, app, apiKeys, inside, openhands, key, otherKey, api, policies, close };
}

/** A request to the gateway at `url` (absolute). */
async function gateway(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.text() };
}

const startBody = (session: string, extra: object = {}) => ({
  image: AGENT_IMAGE,
  command: '/usr/local/bin/openhands-agent-server --port 60000',
  working_dir: '/',
  environment: { DEBUG: 'true' },
  session_id: session,
  run_as_user: 10001,
  fs_group: 10001,
  runtime_class: 'sysbox-runc',
  image_pull_policy: 'IfNotPresent',
  ...extra,
});

describe('OpenHands runtime API', () => {
  let h: Awaited<ReturnType<typeof setup>>;
  afterEach(async () => h?.close());

  it('starts a runtime as an ordinary sandbox: image, command, env with the session key, labels, size, owner', async () => {
    h = await setup();
    expect(h.policies).toEqual(['/openhands:unauthenticated']);
    h.driver.delayMs = 50;
    const started = await h.api('post', '/start').send(startBody('conv-1', { resource_factor: 2 })).expect(201);
    const rt = started.body;
    expect(rt).toMatchObject({
      session_id: 'conv-1',
      status: 'starting',
      pod_status: 'pending',
      image: AGENT_IMAGE,
      workspace: 'team-a',
      restart_count: 0,
      session_api_key: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    expect(rt.url).toMatch(new RegExp(`^http://localhost:\\d+/${rt.runtime_id}$`));
    expect(rt.work_hosts).toEqual({ [`${rt.url}/work-1`]: 12000, [`${rt.url}/work-2`]: 12001 });

    await h.service.idle();
    const sandbox = await h.service.getRecord(rt.sandbox_id);
    expect(sandbox).toMatchObject({
      name: `oh-${rt.runtime_id}`,
      workspace: 'team-a',
      owner: 'user:default/ada',
      image: AGENT_IMAGE,
      size: expect.objectContaining({ name: 'large' }),
      network: false,
      labels: { 'openhands/session': 'conv-1', 'openhands/runtime': rt.runtime_id },
      process: { command: ['/usr/local/bin/openhands-agent-server', '--port', '60000'], workingDir: '/', uid: 10001 },
    });
    expect(sandbox.env).toMatchObject({ DEBUG: 'true', SESSION_API_KEY: rt.session_api_key, OH_SESSION_API_KEYS_0: rt.session_api_key });
    // the sandbox API and pages show the key redacted (the sandbox itself has it)
    expect((await h.service.get(rt.sandbox_id)).env).toEqual({ DEBUG: 'true', SESSION_API_KEY: '<redacted>', OH_SESSION_API_KEYS_0: '<redacted>' });
    // the driver got the process (a re-create runs it again: it is stored on the row)
    expect(h.driver.instances.get(sandbox.externalId!)!.spec.process).toEqual(sandbox.process);
    const audit = (await h.workspaceStore.listAudit({ limit: 10 } as any)).items;
    expect(audit).toEqual([expect.objectContaining({ action: 'sandbox.create', outcome: 'success', targetId: rt.sandbox_id, workspace: 'team-a', actor: expect.stringMatching(/^api-key:psk_[\w-]{8} \(user:default\/ada\)$/) })]);

    // running only once the agent server answers /alive
    h.inside.down.add(rt.sandbox_id);
    expect((await h.api('get', '/sessions/conv-1').expect(200)).body).toMatchObject({ status: 'starting', pod_status: 'running' });
    h.inside.down.delete(rt.sandbox_id);
    expect((await h.api('get', '/sessions/conv-1').expect(200)).body).toMatchObject({ status: 'running', pod_status: 'ready', status_detail: null, runtime_id: rt.runtime_id });
    expect((await h.api('get', `/runtime/${rt.runtime_id}`).expect(200)).body.pod_status).toBe('ready');

    // start is idempotent per live session
    const again = await h.api('post', '/start').send(startBody('conv-1')).expect(201);
    expect(again.body.runtime_id).toBe(rt.runtime_id);
  });

  it('serves the runtime URL in path mode: agent server, session key checked inside, vscode and worker ports, WebSocket', async () => {
    h = await setup();
    const rt = (await h.api('post', '/start').send(startBody('conv-2')).expect(201)).body;
    await h.service.idle();
    expect(await gateway(`${rt.url}/alive`)).toEqual({ status: 200, body: '{"status":"ok"}' });
    expect((await gateway(`${rt.url}/health`)).status).toBe(200);
    const run = (key?: string) =>
      gateway(`${rt.url}/api/bash/execute_bash_command`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { 'X-Session-API-Key': key } : {}) },
        body: JSON.stringify({ command: 'echo hi' }),
      });
    expect(await run(rt.session_api_key)).toEqual({ status: 200, body: expect.stringContaining('ran echo hi') });
    expect((await run()).status).toBe(401);
    expect((await run('wrong')).status).toBe(401);
    expect(JSON.parse((await gateway(`${rt.url}/vscode/?tkn=x&folder=/workspace`)).body)).toEqual({ port: 60001, path: '/?tkn=x&folder=/workspace', prefix: `/${rt.runtime_id}/vscode` });
    expect(JSON.parse((await gateway(`${rt.url}/work-1`)).body)).toMatchObject({ port: 12000, path: '/' });
    expect(JSON.parse((await gateway(`${rt.url}/work-2/app?x=1`)).body)).toMatchObject({ port: 12001, path: '/app?x=1' });

    // WebSocket (e.g. /sockets/events/...) passes through to port 60000
    const echoed = await new Promise<string>((resolve, reject) => {
      const u = new URL(`${rt.url}/sockets/events/abc?session_api_key=k`);
      const socket = net.connect(Number(u.port), '127.0.0.1', () => {
        socket.write(`GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nping`);
      });
      let data = '';
      socket.on('data', d => {
        data += d;
        if (data.endsWith('ping')) {
          socket.destroy();
          resolve(data);
        }
      });
      socket.on('error', reject);
    });
    expect(echoed).toMatch(/^HTTP\/1.1 101 Switching Protocols/);
    expect(echoed).toContain('x-path: /sockets/events/abc?session_api_key=k');
  });

  it('pauses (URL 503, WebSocket refused), resumes, stops (URL 404) and starts the session again as a new runtime', async () => {
    h = await setup();
    const rt = (await h.api('post', '/start').send(startBody('conv-3')).expect(201)).body;
    await h.service.idle();

    const paused = await h.api('post', '/pause').send({ runtime_id: rt.runtime_id }).expect(200);
    expect(paused.body).toMatchObject({ status: 'paused', pod_status: 'not found', session_api_key: rt.session_api_key });
    expect((await h.service.getRecord(rt.sandbox_id)).state).toBe('paused');
    const at503 = await gateway(`${rt.url}/alive`);
    expect(at503.status).toBe(503);
    expect(at503.body).toContain('paused');
    const refused = await new Promise<string>(resolve => {
      const u = new URL(rt.url);
      const socket = net.connect(Number(u.port), '127.0.0.1', () => socket.write(`GET /${rt.runtime_id}/sockets/x HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`));
      let data = '';
      socket.on('data', d => (data += d));
      socket.on('close', () => resolve(data));
    });
    expect(refused).toMatch(/^HTTP\/1.1 503/);
    expect((await h.api('get', '/list').expect(200)).body.runtimes.map((r: any) => r.status)).toEqual(['paused']);

    const resumed = await h.api('post', '/resume').send({ runtime_id: rt.runtime_id }).expect(200);
    expect(resumed.body).toMatchObject({ status: 'running', pod_status: 'ready', session_api_key: rt.session_api_key });
    expect((await gateway(`${rt.url}/alive`)).status).toBe(200);

    const stopped = await h.api('post', '/stop').send({ runtime_id: rt.runtime_id }).expect(200);
    expect(stopped.body).toMatchObject({ status: 'stopped', pod_status: 'not found' });
    await h.service.idle();
    expect((await h.service.getRecord(rt.sandbox_id)).state).toBe('deleted');
    expect((await gateway(`${rt.url}/alive`)).status).toBe(404);
    expect((await h.api('get', '/sessions/conv-3').expect(200)).body.status).toBe('stopped');
    expect((await h.api('get', '/list').expect(200)).body).toEqual({ runtimes: [] });
    await h.api('post', '/stop').send({ runtime_id: rt.runtime_id }).expect(404);
    await h.api('post', '/pause').send({ runtime_id: rt.runtime_id }).expect(404);

    const next = (await h.api('post', '/start').send(startBody('conv-3')).expect(201)).body;
    expect(next.runtime_id).not.toBe(rt.runtime_id);
    expect(next.session_api_key).not.toBe(rt.session_api_key);
    const batch = await h.api('get', '/sessions/batch?ids=conv-3&ids=unknown').expect(200);
    expect(batch.body.map((r: any) => r.runtime_id)).toEqual([next.runtime_id]);
    const actions = (await h.workspaceStore.listAudit({ limit: 20 } as any)).items.map((e: any) => `${e.action}:${e.outcome}`);
    expect(actions).toEqual(['sandbox.create:success', 'sandbox.delete:success', 'sandbox.resume:success', 'sandbox.pause:success', 'sandbox.create:success']);
  });

  it('answers 401 for bad, revoked and expired keys and 404 for unknown ids and other workspaces', async () => {
    h = await setup();
    const rt = (await h.api('post', '/start').send(startBody('conv-4')).expect(201)).body;
    for (const [method, path] of [['post', '/start'], ['get', '/sessions/conv-4'], ['get', '/list'], ['get', '/api/warm-runtime-configs'], ['post', '/stop']] as const) {
      await request(h.app)[method](`/openhands${path}`).send({}).expect(401);
      await h.api(method, path, 'psk_wrong').send({}).expect(401);
    }
    const { key, item } = await h.apiKeys.create('team-a', { name: 'short', expiresAt: '2026-11-01T10:01:00.000Z' }, 'user:default/ada');
    await h.api('get', '/list', key).expect(200);
    await h.apiKeys.revoke('team-a', item.id, 'user:default/ada');
    expect((await h.api('get', '/list', key).expect(401)).body.error.message).toContain('revoked');
    const expiring = await h.apiKeys.create('team-a', { name: 'short', expiresAt: '2026-11-01T10:01:00.000Z' }, 'user:default/ada');
    h.clock.advance(120_000);
    expect((await h.api('get', '/list', expiring.key).expect(401)).body.error.message).toContain('expired');

    await h.api('get', '/sessions/nope').expect(404);
    await h.api('get', '/runtime/nope').expect(404);
    await h.api('post', '/pause').send({ runtime_id: 'nope' }).expect(404);
    // another workspace's key sees none of team-a's runtimes
    await h.api('get', '/sessions/conv-4', h.otherKey).expect(404);
    await h.api('get', `/runtime/${rt.runtime_id}`, h.otherKey).expect(404);
    await h.api('post', '/stop', h.otherKey).send({ runtime_id: rt.runtime_id }).expect(404);
    expect((await h.api('get', '/list', h.otherKey).expect(200)).body.runtimes).toEqual([]);
    expect((await h.api('get', '/sessions/batch?ids=conv-4', h.otherKey).expect(200)).body).toEqual([]);
    expect((await gateway(`${rt.url.replace(rt.runtime_id, 'nope')}/alive`)).status).toBe(404);
    expect((await gateway(`${rt.url.replace(`/${rt.runtime_id}`, '')}/`)).status).toBe(404);
  });

  it('refuses images outside sandbox.openhands.allowedImages and bad start requests with 400 naming the field', async () => {
    h = await setup();
    const image = await h.api('post', '/start').send(startBody('x', { image: 'docker.io/library/alpine:3' })).expect(400);
    expect(image.body.error.message).toMatch(/^image: 'docker.io\/library\/alpine:3' is not allowed here \(sandbox.openhands.allowedImages: ghcr.io\/openhands\/agent-server:\*\)/);
    expect((await h.api('post', '/start').send(startBody('x', { resource_factor: 3 })).expect(400)).body.error.message).toMatch(/^resource_factor: must be one of 1, 2, 4, 8, 16/);
    expect((await h.api('post', '/start').send(startBody('x', { command: "sh -c 'oops" })).expect(400)).body.error.message).toBe("command: unterminated ' quote");
    expect((await h.api('post', '/start').send({ command: null }).expect(400)).body.error.message).toContain('image');
    expect((await h.api('post', '/start').send(startBody('x', { environment: { 'BAD-NAME': '1' } })).expect(400)).body.error.message).toContain('environment');
    expect((await h.api('post', '/pause').send({}).expect(400)).body.error.message).toContain('runtime_id');
    expect((await h.api('get', '/sessions/batch?ids=').expect(400)).body.error.message).toContain('ids');
    expect(await h.knex('openhands_runtimes').select()).toEqual([]);
    expect((await h.service.list({ limit: 50 } as any)).items).toEqual([]);
  });

  it('answers the legacy lookups: warm runtime configs from the templates, image_exists, registry_prefix', async () => {
    h = await setup();
    expect((await h.api('get', '/api/warm-runtime-configs').expect(200)).body).toEqual({
      configs: [{ name: 'agent', image: AGENT_IMAGE, command: null, environment: { A: '1' }, working_dir: '/workspace' }],
    });
    expect((await h.api('get', `/image_exists?image=${encodeURIComponent(AGENT_IMAGE)}`).expect(200)).body).toEqual({ exists: true });
    expect((await h.api('get', '/image_exists?image=alpine').expect(200)).body).toEqual({ exists: false });
    expect((await h.api('get', '/registry_prefix').expect(404)).body.error.message).toContain('sandbox.openhands.registryPrefix');
  });

  it('keeps a runtime without command on the image default and reports a failed sandbox as error', async () => {
    h = await setup();
    h.driver.failNext.create = 'image not found';
    const rt = (await h.api('post', '/start').send(startBody('conv-5', { command: null })).expect(201)).body;
    await h.service.idle();
    expect((await h.service.getRecord(rt.sandbox_id)).process).toBeUndefined();
    expect((await h.api('get', '/sessions/conv-5').expect(200)).body).toMatchObject({ status: 'error', pod_status: 'failed', status_detail: expect.stringContaining('image not found') });
  });

  it('stays off unless enabled, and runs without a gateway when no inside service is wired', async () => {
    h = await setup({ inside: false });
    const rt = (await h.api('post', '/start').send(startBody('conv-6', { command: ['a', 'b'] })).expect(201)).body;
    await h.service.idle();
    // nobody can probe /alive: never "running"
    expect((await h.api('get', '/sessions/conv-6').expect(200)).body).toMatchObject({ status: 'starting', pod_status: 'running' });
    expect((await h.service.getRecord(rt.sandbox_id)).process).toEqual({ command: ['a', 'b'], workingDir: '/', uid: 10001 });
    const off = await registerOpenHands({ config: mockServices.rootConfig({ data: {} }) } as any);
    expect(off).toBeUndefined();
  });
});

describe('OpenHands helpers', () => {
  it('maps gateway paths to ports inside', () => {
    expect(parseGatewayPath('/abc')).toEqual({ runtimeId: 'abc', port: 60000, path: '/', prefix: '/abc' });
    expect(parseGatewayPath('/abc/api/x?y=1')).toEqual({ runtimeId: 'abc', port: 60000, path: '/api/x?y=1', prefix: '/abc' });
    expect(parseGatewayPath('/abc/vscode?tkn=1')).toEqual({ runtimeId: 'abc', port: 60001, path: '/?tkn=1', prefix: '/abc/vscode' });
    expect(parseGatewayPath('/abc/work-2/z')).toEqual({ runtimeId: 'abc', port: 12001, path: '/z', prefix: '/abc/work-2' });
    expect(parseGatewayPath('/abc/vscodex')).toMatchObject({ port: 60000, path: '/vscodex' });
    expect(parseGatewayPath('/')).toBeUndefined();
    expect(parseGatewayPath('/a b')).toBeUndefined();
  });

  it('makes Kubernetes-safe label values and api-key audit actors', () => {
    expect(labelValue('conv-1')).toBe('conv-1');
    expect(labelValue(`agent-server-${'x'.repeat(60)}`)).toMatch(/^h-[0-9a-f]{40}$/);
    expect(labelValue('a/b')).toMatch(/^h-/);
    expect((credentialsOf({ id: 'i', workspace: 'w', prefix: 'psk_abcdefgh', createdBy: 'user:default/ada' }).principal as any)).toEqual({ type: 'api-key', subject: 'psk_abcdefgh (user:default/ada)' });
    expect(OpenHandsService).toBeDefined();
  });
});
