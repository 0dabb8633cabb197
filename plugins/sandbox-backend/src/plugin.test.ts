import { mockCredentials, mockServices, startTestBackend } from '@backstage/backend-test-utils';
import request from 'supertest';
import mcpActionsPlugin from '@backstage/plugin-mcp-actions-backend';
import { sandboxPlugin } from './plugin';

jest.setTimeout(60_000);

const config = {
  app: { baseUrl: 'http://portal.test' },
  sandbox: {
    driver: 'memory',
    workspaces: [{ name: 'default', plan: 'team', members: [{ ref: 'user:default/ada', role: 'owner' }] }],
    reconciler: { schedule: { frequency: { minutes: 10 }, timeout: { minutes: 1 } } } },
  backend: { actions: { pluginSources: ['sandbox'] } },
};

/** Reads a JSON-RPC answer from the MCP streamable HTTP transport (SSE or plain JSON). */
function rpcResult(res: request.Response) {
  const text = res.text;
  const data = text.includes('data:')
    ? text.split('\n').filter(l => l.startsWith('data:')).map(l => l.slice(5).trim()).join('')
    : text;
  return JSON.parse(data);
}

async function mcp(server: any, method: string, params: object, id = 1) {
  const res = await request(server)
    .post('/api/mcp-actions/v1')
    .set('Authorization', mockCredentials.user.header('user:default/ada'))
    .set('Accept', 'application/json, text/event-stream')
    .send({ jsonrpc: '2.0', id, method, params });
  expect(res.status).toBe(200);
  return rpcResult(res);
}

describe('sandbox backend plugin', () => {
  it('serves the REST API under /api/sandbox with user auth', async () => {
    const { server } = await startTestBackend({
      features: [sandboxPlugin, mockServices.rootConfig.factory({ data: config })],
    });
    await request(server).get('/api/sandbox/health').expect(200, { status: 'ok' });
    await request(server).get('/api/sandbox/sandboxes').set('Authorization', 'Bearer nope').expect(401);
    const created = await request(server)
      .post('/api/sandbox/sandboxes')
      .set('Authorization', mockCredentials.user.header('user:default/ada'))
      .send({ name: 'web', workspace: 'default', template: 'node' })
      .expect(201);
    expect(created.body).toMatchObject({ owner: 'user:default/ada', image: 'portal-sandbox/node:latest' });
    const service = await request(server)
      .post('/api/sandbox/sandboxes')
      .set('Authorization', mockCredentials.service.header())
      .send({ name: 'svc', workspace: 'default' })
      .expect(403);
    expect(service.body.error.message).toContain('requires user credentials');
  });

  it('lets an AI agent drive sandboxes through the MCP endpoint under its own identity', async () => {
    const { server } = await startTestBackend({
      features: [
        sandboxPlugin,
        mcpActionsPlugin,
        mockServices.rootConfig.factory({ data: config }),
      ],
    });
    const tools = await mcp(server, 'tools/list', {});
    const names: string[] = tools.result.tools.map((t: { name: string }) => t.name);
    const toolName = (suffix: string) => names.find(n => n.endsWith(suffix))!;
    // other sandbox tools (exec, files, ports) come and go with their features: check ours are there
    expect(names.filter(n => /sandbox/.test(n))).toEqual(
      expect.arrayContaining(
        ['create-sandbox', 'delete-sandbox', 'get-sandbox', 'list-sandboxes', 'stop-sandbox', 'pause-sandbox', 'resume-sandbox'].map(
          suffix => expect.stringMatching(new RegExp(`${suffix}$`)),
        ),
      ),
    );

    const created = await mcp(server, 'tools/call', {
      name: toolName('create-sandbox'),
      arguments: { name: 'agent-box', workspace: 'default', template: 'python', size: 'small', wait: true },
    });
    const sandbox = JSON.parse(created.result.content[0].text);
    expect(sandbox).toMatchObject({ name: 'agent-box', owner: 'user:default/ada', state: 'running', size: 'small' });

    const listed = await mcp(server, 'tools/call', { name: toolName('list-sandboxes'), arguments: { state: 'running' } });
    expect(JSON.parse(listed.result.content[0].text).items.map((i: { id: string }) => i.id)).toEqual([sandbox.id]);

    const got = await mcp(server, 'tools/call', { name: toolName('get-sandbox'), arguments: { id: sandbox.id } });
    expect(JSON.parse(got.result.content[0].text).links.portal).toBe(`http://portal.test/sandboxes/${sandbox.id}`);

    const paused = await mcp(server, 'tools/call', { name: toolName('pause-sandbox'), arguments: { id: sandbox.id } });
    expect(JSON.parse(paused.result.content[0].text).state).toBe('paused');
    const resumed = await mcp(server, 'tools/call', { name: toolName('resume-sandbox'), arguments: { id: sandbox.id } });
    expect(JSON.parse(resumed.result.content[0].text).state).toBe('running');

    const stopped = await mcp(server, 'tools/call', { name: toolName('stop-sandbox'), arguments: { id: sandbox.id } });
    expect(JSON.parse(stopped.result.content[0].text).state).toBe('stopping');

    const bad = await mcp(server, 'tools/call', { name: toolName('create-sandbox'), arguments: { name: 'NO', workspace: 'default' } });
    expect(bad.result.isError).toBe(true);
    expect(bad.result.content[0].text).toContain('name: must be 1-40 lowercase letters');

    const deleted = await mcp(server, 'tools/call', { name: toolName('delete-sandbox'), arguments: { id: sandbox.id } });
    expect(JSON.parse(deleted.result.content[0].text).state).toBe('deleting');
  });
});
