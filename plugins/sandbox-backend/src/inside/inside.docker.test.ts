/**
 * The agent in a REAL Docker sandbox (engine of scripts/services/docker.sh, images of
 * scripts/build-images.sh): DockerDriver wiring, InsideService, the REST routes, and the port
 * proxy for HTTP and WebSocket through a real HTTP server with the upgrade router.
 */
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { ConfigReader } from '@backstage/config';
import { NotAllowedError } from '@backstage/errors';
import { SANDBOX_SIZES } from '@internal/plugin-sandbox-common';
import express from 'express';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import request from 'supertest';
import { AgentClient } from '../agent/AgentClient';
import type { SandboxRecord } from '../database/SandboxStore';
import { CONTAINER_PREFIX, DockerDriver } from '../drivers/docker/DockerDriver';
import { SANDBOX_LABELS, SandboxSpec } from '../drivers/types';
import type { AuditLog } from '../service/AuditLog';
import type { SandboxAuthorizer } from '../service/authorize';
import { InsideService } from './InsideService';
import { createInsideRouter, createPortUpgradeHandler } from './router';
import { UpgradeRouter } from './upgrades';

// eslint-disable-next-line @typescript-eslint/no-require-imports, @backstage/no-relative-monorepo-imports
const { connect: wsConnect } = require('../../../../test/fixtures/echo-server/wsClient.js');

jest.setTimeout(90_000);

const socketPath =
  process.env.PORTAL_DOCKER_SOCKET ||
  (process.env.DOCKER_HOST?.startsWith('unix://') ? process.env.DOCKER_HOST.slice(7) : '') ||
  '/var/run/docker.sock';
const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const ECHO_SERVER = path.resolve(__dirname, '../../../../test/fixtures/echo-server/server.js');
const APP_ORIGIN = 'http://app.example:3000';

function specFor(id: string): SandboxSpec {
  return {
    id,
    name: `inside-${id}`,
    workspace: 'ws-test',
    owner: 'user:default/tester',
    image: 'portal-sandbox/base:latest',
    size: SANDBOX_SIZES.small,
    env: { FOO: 'from spec' },
    network: false,
    labels: {
      [SANDBOX_LABELS.id]: id,
      [SANDBOX_LABELS.workspace]: 'ws-test',
      [SANDBOX_LABELS.owner]: 'user:default/tester',
      'portal.sandbox/test-run': runId,
    },
  };
}

describe('agent runtime on the Docker engine', () => {
  const id = `in-${runId}`;
  const externalId = `${CONTAINER_PREFIX}${id}`;
  let runDir: string;
  let driver: DockerDriver;
  let record: SandboxRecord;
  let inside: InsideService;
  let server: http.Server;
  let base: string;
  const audited: Array<{ action: string; outcome: string; message?: string }> = [];
  const denied = new Set<string>();

  const authorizer = {
    authorize: async (_c: unknown, permission: { name: string }, ref?: string) => {
      if (ref && denied.has(ref)) throw new NotAllowedError(`Not allowed: ${permission.name} on sandbox '${ref}'`);
    },
  } as unknown as SandboxAuthorizer;
  const audit = {
    track: async (_c: unknown, target: { action: string }, fn: () => Promise<unknown>, resolve?: (r: unknown) => { message?: string }) => {
      try {
        const result = await fn();
        audited.push({ action: target.action, outcome: 'success', message: resolve?.(result)?.message });
        return result;
      } catch (e) {
        audited.push({ action: target.action, outcome: 'failure', message: (e as Error).message });
        throw e;
      }
    },
  } as unknown as AuditLog;

  beforeAll(async () => {
    runDir = mkdtempSync(path.join(os.tmpdir(), 'h5-run-'));
    driver = new DockerDriver({ socketPath, agent: { runDir } });
    await driver.healthCheck();
    await driver.create(specFor(id));
    record = {
      id,
      name: `inside-${id}`,
      workspace: 'ws-test',
      state: 'running',
      externalId,
    } as SandboxRecord;
    inside = new InsideService({
      getRecord: async () => record,
      driver,
      portUrl: (sid, port) => `http://backend.example/api/sandbox/sandboxes/${sid}/ports/${port}/`,
    });

    const httpAuth = mockServices.httpAuth();
    const app = express();
    const upgrades = new UpgradeRouter();
    const api = express.Router();
    api.use(upgrades.middleware());
    api.use(createInsideRouter({ httpAuth, authorizer, audit, inside, workspaceOf: async () => 'ws-test' }));
    app.use('/api/sandbox', api);
    app.use(MiddlewareFactory.create({ config: new ConfigReader({}), logger: mockServices.logger.mock() }).error());
    upgrades.register(
      '/api/sandbox/sandboxes/',
      createPortUpgradeHandler({ httpAuth, authorizer, inside, basePath: '/api/sandbox', allowedOrigins: [APP_ORIGIN] }),
    );
    server = http.createServer(app);
    upgrades.attach(server);
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server?.close();
    await driver?.remove(externalId).catch(() => undefined);
    rmSync(runDir, { recursive: true, force: true });
  });

  const user = mockCredentials.user.header();

  it('runs the agent as the entrypoint: socket owned by the sandbox user, no network, uid 1000', async () => {
    const endpoint = await driver.agentEndpoint(externalId);
    expect(endpoint).toEqual({ kind: 'unix', socketPath: path.join(runDir, externalId, 'agent.sock'), uid: 1000 });
    const st = lstatSync(path.join(runDir, externalId, 'agent.sock'));
    expect([st.isSocket(), st.uid]).toEqual([true, 1000]);
    const result = await inside.exec(id, { command: ['sh', '-c', 'id -u; echo "$FOO"; ls /sys/class/net'], timeoutSeconds: 10 });
    expect(result.stdout.split('\n').slice(0, 2)).toEqual(['1000', 'from spec']);
    expect(result.stdout).not.toMatch(/eth0/);
    const inspected = await driver.inspect(externalId);
    expect(inspected?.limits?.networkMode).toBe('none');
    // a container made without the agent has no endpoint (callers fall back to the engine exec)
    expect(await new DockerDriver({ socketPath }).agentEndpoint(externalId)).toBeUndefined();
  });

  it('exec: stdin, cwd, env, timeout killing the process group', async () => {
    expect(await inside.exec(id, { command: ['cat'], stdin: 'piped', timeoutSeconds: 5 })).toMatchObject({ exitCode: 0, stdout: 'piped' });
    expect(await inside.exec(id, { command: ['pwd'], cwd: '/tmp', env: { A: '1' }, timeoutSeconds: 5 })).toMatchObject({ stdout: '/tmp\n' });
    const slow = await inside.exec(id, { command: ['sh', '-c', 'sleep 30 & sleep 30'], timeoutSeconds: 1 });
    expect(slow).toMatchObject({ timedOut: true, exitCode: 137 });
    const left = await inside.exec(id, { command: ['sh', '-c', 'ps -eo args | grep -c "^sleep 30" || true'], timeoutSeconds: 5 });
    expect(left.stdout.trim()).toBe('0');
  });

  it('REST: streamed exec over SSE, audited', async () => {
    const res = await request(base)
      .post(`/api/sandbox/sandboxes/${id}/exec/stream`)
      .set('authorization', user)
      .send({ command: ['sh', '-c', 'echo one; echo two >&2; exit 2'] });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/event-stream/);
    expect(res.text).toContain('event: stdout\ndata: {"data":"one\\n"}');
    expect(res.text).toContain('event: stderr\ndata: {"data":"two\\n"}');
    expect(res.text).toMatch(/event: exit\ndata: \{"exitCode":2,"timedOut":false/);
    expect(audited).toContainEqual({ action: 'sandbox.exec', outcome: 'success', message: 'exit 2' });
    const bad = await request(base).post(`/api/sandbox/sandboxes/${id}/exec/stream`).set('authorization', user).send({ command: [] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/command/);
  });

  it('REST: write, read, stat, list, mkdir, remove; writes audited, reads not', async () => {
    audited.length = 0;
    const put = await request(base)
      .put(`/api/sandbox/sandboxes/${id}/files?path=/workspace/dir/hello.txt&parents=true&mode=600`)
      .set('authorization', user)
      .set('content-type', 'application/octet-stream')
      .send(Buffer.from('hello from the portal'));
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ path: '/workspace/dir/hello.txt', size: 21 });
    const get = await request(base).get(`/api/sandbox/sandboxes/${id}/files?path=/workspace/dir/hello.txt`).set('authorization', user).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(get.body.toString()).toBe('hello from the portal');
    const stat = await request(base).get(`/api/sandbox/sandboxes/${id}/files/stat?path=/workspace/dir/hello.txt`).set('authorization', user);
    expect(stat.body).toMatchObject({ type: 'file', size: 21, mode: 0o600 });
    expect((await inside.exec(id, { command: ['stat', '-c', '%u', '/workspace/dir/hello.txt'], timeoutSeconds: 5 })).stdout.trim()).toBe('1000');
    const mkdir = await request(base).post(`/api/sandbox/sandboxes/${id}/files/mkdir`).set('authorization', user).send({ path: '/workspace/dir/sub' });
    expect(mkdir.status).toBe(200);
    const list = await request(base).get(`/api/sandbox/sandboxes/${id}/files/list?path=/workspace/dir`).set('authorization', user);
    expect(list.body.entries.map((e: { name: string }) => e.name)).toEqual(['hello.txt', 'sub']);
    const del = await request(base).delete(`/api/sandbox/sandboxes/${id}/files?path=/workspace/dir/sub`).set('authorization', user);
    expect(del.status).toBe(200);
    const missing = await request(base).get(`/api/sandbox/sandboxes/${id}/files/stat?path=/workspace/nope`).set('authorization', user);
    expect(missing.status).toBe(404);
    const relative = await request(base).get(`/api/sandbox/sandboxes/${id}/files?path=relative`).set('authorization', user);
    expect(relative.status).toBe(400);
    expect(relative.body.error.message).toMatch(/path/);
    expect(audited.map(a => a.action)).toEqual(['sandbox.file.write', 'sandbox.file.mkdir', 'sandbox.file.remove']);
  });

  it('REST: tar download and upload; over the cap is 413', async () => {
    const tar = await request(base).get(`/api/sandbox/sandboxes/${id}/archive?path=/workspace/dir`).set('authorization', user).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(tar.status).toBe(200);
    expect(tar.headers['content-disposition']).toContain('dir.tar');
    const up = await request(base)
      .put(`/api/sandbox/sandboxes/${id}/archive?path=/workspace/copy`)
      .set('authorization', user)
      .set('content-type', 'application/x-tar')
      .send(tar.body);
    expect(up.status).toBe(200);
    const copied = await inside.exec(id, { command: ['cat', '/workspace/copy/dir/hello.txt'], timeoutSeconds: 5 });
    expect(copied.stdout).toBe('hello from the portal');

    const small = new InsideService({ getRecord: async () => record, driver, portUrl: () => '', maxTransferBytes: 1024 });
    await expect(small.uploadArchive(id, '/workspace/x', Readable.from([Buffer.alloc(2048)]), 2048)).rejects.toMatchObject({ statusCode: 413 });
    await expect(small.uploadArchive(id, '/workspace/x', Readable.from([Buffer.alloc(2048)]))).rejects.toMatchObject({ statusCode: 413 });
    await inside.exec(id, { command: ['sh', '-c', 'head -c 4096 /dev/urandom > /workspace/big.bin'], timeoutSeconds: 5 });
    await expect(small.downloadArchive(id, '/workspace/big.bin')).rejects.toMatchObject({ statusCode: 413 });
    await expect(small.writeFile(id, '/workspace/w.bin', Buffer.alloc(2048))).rejects.toMatchObject({ statusCode: 413 });
  });

  describe('with an HTTP + WebSocket server inside', () => {
    beforeAll(async () => {
      await inside.writeFile(id, '/tmp/echo-server.js', readFileSync(ECHO_SERVER));
      await inside.exec(id, {
        command: ['sh', '-c', 'nohup /opt/portal/node /tmp/echo-server.js 8080 >/tmp/echo.log 2>&1 &'],
        timeoutSeconds: 5,
      });
      for (let i = 0; i < 100; i++) {
        const { items } = await inside.listPorts(id);
        if (items.some(p => p.port === 8080)) return;
        await new Promise(r => setTimeout(r, 50));
      }
      throw new Error('echo server did not start');
    });

    it('lists the port with its process and proxy URL', async () => {
      const res = await request(base).get(`/api/sandbox/sandboxes/${id}/ports`).set('authorization', user);
      expect(res.body.items).toContainEqual({ port: 8080, process: 'node', url: `http://backend.example/api/sandbox/sandboxes/${id}/ports/8080/` });
    });

    it('proxies HTTP without passing the portal credentials on', async () => {
      const res = await request(base)
        .post(`/api/sandbox/sandboxes/${id}/ports/8080/echo/path?q=1`)
        .set('authorization', user)
        .set('cookie', 'backstage-auth=secret; app=kept')
        .set('content-type', 'application/json')
        .send({ hello: 'inside' });
      expect([res.status, res.body.error?.message]).toEqual([200, undefined]);
      expect(res.body).toMatchObject({ method: 'POST', url: '/echo/path?q=1', body: '{"hello":"inside"}' });
      expect(res.body.headers.authorization).toBeUndefined();
      expect(res.body.headers.cookie).toBe('app=kept');
      expect(res.body.headers['x-forwarded-prefix']).toBe(`/api/sandbox/sandboxes/${id}/ports/8080`);
      const redirect = await request(base).get(`/api/sandbox/sandboxes/${id}/ports/8080/redirect`).set('authorization', user);
      expect([redirect.status, redirect.headers.location]).toEqual([302, `/api/sandbox/sandboxes/${id}/ports/8080/hello`]);
      const bare = await request(base).get(`/api/sandbox/sandboxes/${id}/ports/8080`).set('authorization', user);
      expect([bare.status, bare.headers.location]).toEqual([307, `/api/sandbox/sandboxes/${id}/ports/8080/`]);
    });

    it('accepts the user cookie on the proxy, refuses without permission, 503 on a closed port', async () => {
      const cookie = mockCredentials.limitedUser.cookie('user:default/tester');
      const viaCookie = await request(base).get(`/api/sandbox/sandboxes/${id}/ports/8080/c`).set('cookie', cookie);
      expect(viaCookie.status).toBe(200);
      expect(viaCookie.body.headers.cookie).toBeUndefined();
      denied.add(id);
      try {
        expect((await request(base).get(`/api/sandbox/sandboxes/${id}/ports/8080/`).set('authorization', user)).status).toBe(403);
        expect((await request(base).get(`/api/sandbox/sandboxes/${id}/files/list?path=/`).set('authorization', user)).status).toBe(403);
      } finally {
        denied.delete(id);
      }
      const closed = await request(base).get(`/api/sandbox/sandboxes/${id}/ports/9/`).set('authorization', user);
      expect(closed.status).toBe(503);
      expect(closed.body.error.message).toMatch(/nothing listens on port 9/);
    });

    it('proxies a WebSocket (with the cookie), checks the Origin', async () => {
      const cookie = mockCredentials.limitedUser.cookie('user:default/tester');
      const ws = await wsConnect(`${base}/api/sandbox/sandboxes/${id}/ports/8080/socket?x=1`, { headers: { cookie, origin: APP_ORIGIN } });
      expect(ws.response.headers['x-echo-path']).toBe('/socket?x=1');
      ws.send('ping through the portal');
      expect(await ws.next()).toBe('ping through the portal');
      ws.send('x'.repeat(1000));
      expect(await ws.next()).toBe('x'.repeat(1000));
      ws.close();
      await expect(
        wsConnect(`${base}/api/sandbox/sandboxes/${id}/ports/8080/socket`, { headers: { cookie, origin: 'http://evil.example' } }),
      ).rejects.toMatchObject({ statusCode: 403 });
      denied.add(id);
      try {
        await expect(wsConnect(`${base}/api/sandbox/sandboxes/${id}/ports/8080/s`, { headers: { authorization: user } })).rejects.toMatchObject({
          statusCode: 403,
        });
      } finally {
        denied.delete(id);
      }
    });

    it('a paused sandbox: exec refused with 409, the proxy answers 503', async () => {
      record = { ...record, state: 'paused' as SandboxRecord['state'] };
      try {
        await expect(inside.exec(id, { command: ['true'], timeoutSeconds: 5 })).rejects.toMatchObject({
          name: 'ConflictError',
          message: `Sandbox 'inside-${id}' is paused; resume it first`,
        });
        const proxied = await request(base).get(`/api/sandbox/sandboxes/${id}/ports/8080/`).set('authorization', user);
        expect(proxied.status).toBe(503);
        await expect(wsConnect(`${base}/api/sandbox/sandboxes/${id}/ports/8080/s`, { headers: { authorization: user } })).rejects.toMatchObject({
          statusCode: 503,
        });
        record = { ...record, state: 'stopped' };
        await expect(inside.list(id, '/')).rejects.toMatchObject({ name: 'ConflictError', message: expect.stringContaining('stopped') });
      } finally {
        record = { ...record, state: 'running' };
      }
    });
  });

  it('refuses the socket once the sandbox replaced it with a symlink', async () => {
    // from inside: the sandbox can write in its run directory
    await inside.exec(id, { command: ['sh', '-c', 'ln -sf /run/portal/elsewhere /run/portal/agent.sock.new && mv -f /run/portal/agent.sock.new /run/portal/agent.sock'], timeoutSeconds: 5 });
    const fresh = new AgentClient((await driver.agentEndpoint(externalId))!);
    try {
      await expect(fresh.health()).rejects.toMatchObject({ name: 'NotAllowedError', message: expect.stringContaining('symlink') });
    } finally {
      fresh.close();
    }
  });

  it('remove takes the container, volume and run directory', async () => {
    await driver.remove(externalId);
    expect(await driver.inspect(externalId)).toBeUndefined();
    expect(existsSync(path.join(runDir, externalId))).toBe(false);
  });
});
