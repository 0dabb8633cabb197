/**
 * The inside API wired into the real plugin (startTestBackend): routes mounted, the user cookie
 * accepted on the port proxy, and WebSocket upgrades reaching
 * the plugin through the backend's own HTTP server.
 */
import { mockCredentials, mockServices, startTestBackend } from '@backstage/backend-test-utils';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { sandboxPlugin } from '../plugin';

jest.setTimeout(60_000);

const config = {
  app: { baseUrl: 'http://portal.test' },
  sandbox: {
    driver: 'memory',
    workspaces: [{ name: 'default', plan: 'team', members: [{ ref: 'user:default/ada', role: 'owner' }] }],
    reconciler: { schedule: { frequency: { minutes: 10 }, timeout: { minutes: 1 }, initialDelay: { minutes: 10 } } },
  },
};

function upgrade(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      path,
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers },
    });
    req.on('error', reject);
    req.on('response', res => {
      let body = '';
      res.on('data', c => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('upgrade', () => reject(new Error('unexpected upgrade')));
    req.end();
  });
}

describe('inside API in the sandbox plugin', () => {
  it('mounts the routes, takes the cookie on the port proxy, and routes WebSocket upgrades', async () => {
    const { server } = await startTestBackend({ features: [sandboxPlugin, mockServices.rootConfig.factory({ data: config })] });
    const user = mockCredentials.user.header('user:default/ada');
    const created = await request(server).post('/api/sandbox/sandboxes').set('Authorization', user).send({ name: 'web', workspace: 'default' }).expect(201);
    const id = created.body.id;
    await new Promise(r => setTimeout(r, 200));

    // the memory driver runs no agent: exec falls back to it, files say why they cannot work
    const exec = await request(server).post(`/api/sandbox/sandboxes/${id}/exec`).set('Authorization', user).send({ command: ['echo', 'hi'] });
    expect(exec.status).toBe(200);
    const files = await request(server).get(`/api/sandbox/sandboxes/${id}/files/list?path=/`).set('Authorization', user);
    expect([files.status, files.body.error.message]).toEqual([501, expect.stringContaining('portal agent')]);

    const cookie = mockCredentials.limitedUser.cookie('user:default/ada');
    // the cookie passes the credentials barrier of the proxy (then: no agent -> 501) ...
    const proxied = await request(server).get(`/api/sandbox/sandboxes/${id}/ports/8080/`).set('cookie', cookie);
    expect(proxied.status).toBe(501);
    // (that the cookie opens nothing else needs the real auth services: test/e2e/agent-runtime)

    // WebSocket upgrades reach the plugin through the backend's server
    const port = (server.address() as AddressInfo).port;
    const ws = await upgrade(port, `/api/sandbox/sandboxes/${id}/ports/8080/ws`, { authorization: user });
    expect([ws.status, JSON.parse(ws.body).error.name]).toEqual([501, 'NotImplementedError']);
    const unknown = await upgrade(port, '/api/sandbox/sandboxes/nope/ports/8080/ws', { authorization: user });
    expect(unknown.status).toBe(404);
    const foreign = await upgrade(port, `/api/sandbox/sandboxes/${id}/ports/8080/ws`, { authorization: user, origin: 'http://evil.test' });
    expect(foreign.status).toBe(403);
  });
});
