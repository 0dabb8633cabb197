// The in-sandbox agent end to end on the REAL Docker engine through the BUILT portal: create from a
// warm pool, exec (through the agent), write + read a file, start an HTTP + WebSocket server inside
// and reach it through the port proxy (with a token, and with the Backstage user cookie as a browser
// would), pause (exec 409, preview 503), resume (file still there), delete; nothing left in the engine.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerSocket, engine, managedContainers, volumeNames } from './lib/docker.mjs';
import { eventually, repoRoot, startPortal } from './lib/portal.mjs';

const require = createRequire(import.meta.url);
const { connect: wsConnect } = require('../fixtures/echo-server/wsClient.js');
const ECHO_SERVER = readFileSync(join(repoRoot, 'test/fixtures/echo-server/server.js'));

const TEMPLATE = `e2eagent${Date.now().toString(36)}`;

async function poolContainers() {
  const filters = encodeURIComponent(JSON.stringify({ label: [`portal.sandbox/pool=${TEMPLATE}`] }));
  return (await engine('GET', `/containers/json?all=1&filters=${filters}`)).body ?? [];
}

describe('agent runtime: exec, files and ports inside a Docker sandbox', () => {
  let portal;
  let token;
  let sandbox;
  const runDir = mkdtempSync(join(tmpdir(), 'e2e-agent-run-'));
  const api = (path, init = {}) =>
    fetch(`${portal.baseUrl}/api/sandbox${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
    });

  before(async () => {
    portal = await startPortal({
      extraConfig: {
        sandbox: {
          driver: 'docker',
          docker: { socketPath: dockerSocket(), agent: { runDir } },
          templates: { [TEMPLATE]: { image: 'portal-sandbox/base:latest' } },
          warmPools: [{ template: TEMPLATE, min: 1, max: 1, refillPerMinute: 60 }],
          warmPoolRefill: { schedule: { frequency: { seconds: 1 }, timeout: { minutes: 1 }, initialDelay: { seconds: 0 } } },
          // delay the reconciler: other suites' containers are not ours to reap
          reconciler: { schedule: { frequency: { minutes: 10 }, timeout: { minutes: 1 }, initialDelay: { minutes: 10 } } },
        },
      },
    });
    token = await portal.guestToken();
  });

  after(async () => {
    if (sandbox && portal) await api(`/sandboxes/${sandbox.id}`, { method: 'DELETE' }).catch(() => undefined);
    await portal?.stop();
    // the pool outlives a backend by design; this test's pool is removed with the test
    for (const c of await poolContainers()) await engine('DELETE', `/containers/${c.Id}?force=1&v=1`);
  });

  it('creates a sandbox from the warm pool that runs the agent', async () => {
    const poolReady = async () => {
      const text = await (await fetch(`${portal.baseUrl}/metrics`)).text();
      const line = text.split('\n').find(l => l.startsWith('sandbox_warm_pool_size{') && l.includes(`template="${TEMPLATE}"`) && l.includes('state="ready"'));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    await eventually('a ready pool member', async () => (await poolReady()) >= 1, { timeoutMs: 120_000 });
    const res = await api('/sandboxes', {
      method: 'POST',
      body: JSON.stringify({ name: `agent-${Date.now().toString(36)}`, workspace: 'default', template: TEMPLATE }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    sandbox = await res.json();
    assert.equal(sandbox.state, 'running', 'a pool hit is running at once');
    assert.ok((await poolContainers()).some(c => c.Names[0].slice(1) === sandbox.externalId), 'it runs in a pool container');
    await eventually('the sandbox to run', async () => (await (await api(`/sandboxes/${sandbox.id}`)).json()).state === 'running', {
      timeoutMs: 60_000,
    });
    sandbox = await (await api(`/sandboxes/${sandbox.id}`)).json();
    assert.ok(existsSync(join(runDir, sandbox.externalId, 'agent.sock')), 'agent socket in the run directory');
  });

  it('runs a command through the agent (exit code, stdout, stderr, cwd, env, stdin)', async () => {
    const res = await api(`/sandboxes/${sandbox.id}/exec`, {
      method: 'POST',
      body: JSON.stringify({ command: ['sh', '-c', 'echo "$GREETING from $(pwd) as $(id -u)"; cat; echo err >&2; exit 3'], cwd: '/tmp', env: { GREETING: 'hi' }, stdin: 'in' }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(
      (({ exitCode, stdout, stderr, timedOut }) => ({ exitCode, stdout, stderr, timedOut }))(await res.json()),
      { exitCode: 3, stdout: 'hi from /tmp as 1000\nin', stderr: 'err\n', timedOut: false },
    );
  });

  it('writes and reads a file', async () => {
    const put = await api(`/sandboxes/${sandbox.id}/files?path=/workspace/notes/hello.txt&parents=true`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: 'written through the portal',
    });
    assert.equal(put.status, 200, await put.clone().text());
    const get = await api(`/sandboxes/${sandbox.id}/files?path=/workspace/notes/hello.txt`);
    assert.equal(await get.text(), 'written through the portal');
    const list = await (await api(`/sandboxes/${sandbox.id}/files/list?path=/workspace/notes`)).json();
    assert.deepEqual(list.entries.map(e => e.name), ['hello.txt']);
  });

  it('reaches an HTTP and a WebSocket server inside through the port proxy', async () => {
    const put = await api(`/sandboxes/${sandbox.id}/files?path=/tmp/echo-server.js`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: ECHO_SERVER,
    });
    assert.equal(put.status, 200);
    const start = await api(`/sandboxes/${sandbox.id}/exec`, {
      method: 'POST',
      body: JSON.stringify({ command: ['sh', '-c', 'nohup /opt/portal/node /tmp/echo-server.js 8080 > /tmp/echo.log 2>&1 &'] }),
    });
    assert.equal((await start.json()).exitCode, 0);
    const ports = await eventually('port 8080 listening inside', async () => {
      const body = await (await api(`/sandboxes/${sandbox.id}/ports`)).json();
      return body.items?.some(p => p.port === 8080) && body;
    });
    const entry = ports.items.find(p => p.port === 8080);
    assert.equal(entry.url, `${portal.baseUrl}/api/sandbox/sandboxes/${sandbox.id}/ports/8080/`);

    // with the token
    const viaToken = await fetch(`${entry.url}hello?x=1`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(viaToken.status, 200, await viaToken.clone().text());
    const echoed = await viaToken.json();
    assert.equal(echoed.url, '/hello?x=1');
    assert.equal(echoed.headers.authorization, undefined, 'the portal token is not passed inside');

    // as a browser: the user cookie of the plugin's cookie endpoint, no token
    const cookieRes = await api('/.backstage/auth/v1/cookie');
    assert.equal(cookieRes.status, 200, await cookieRes.clone().text());
    const cookie = cookieRes.headers.getSetCookie().map(c => c.split(';')[0]).join('; ');
    const viaCookie = await fetch(`${entry.url}page`, { headers: { cookie } });
    assert.equal(viaCookie.status, 200, await viaCookie.clone().text());
    assert.equal((await fetch(`${entry.url}page`)).status, 401, 'no credentials, no proxy');
    // the cookie opens the proxy only, not the rest of the API
    assert.equal((await fetch(`${portal.baseUrl}/api/sandbox/sandboxes/${sandbox.id}`, { headers: { cookie } })).status, 401);

    const ws = await wsConnect(`${entry.url}ws`, { headers: { cookie, origin: portal.baseUrl } });
    ws.send('hello over the proxy');
    assert.equal(await ws.next(), 'hello over the proxy');
    ws.close();
    await assert.rejects(wsConnect(`${entry.url}ws`, { headers: { cookie, origin: 'http://evil.example' } }), e => e.statusCode === 403);
  });

  it('pauses (exec refused with 409, preview 503) and resumes with the files still there', async () => {
    const paused = await api(`/sandboxes/${sandbox.id}/pause`, { method: 'POST' });
    assert.equal(paused.status, 200, await paused.clone().text());
    assert.equal((await paused.json()).state, 'paused');
    const exec = await api(`/sandboxes/${sandbox.id}/exec`, { method: 'POST', body: JSON.stringify({ command: ['true'] }) });
    assert.equal(exec.status, 409);
    assert.match((await exec.json()).error.message, /is paused; resume it first/);
    const preview = await fetch(`${portal.baseUrl}/api/sandbox/sandboxes/${sandbox.id}/ports/8080/hello`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(preview.status, 503);

    const resumed = await api(`/sandboxes/${sandbox.id}/resume`, { method: 'POST' });
    assert.equal(resumed.status, 200, await resumed.clone().text());
    assert.equal((await resumed.json()).state, 'running');
    const get = await api(`/sandboxes/${sandbox.id}/files?path=/workspace/notes/hello.txt`);
    assert.equal(await get.text(), 'written through the portal');
    // the server inside was frozen, not killed: the preview answers again
    const again = await fetch(`${portal.baseUrl}/api/sandbox/sandboxes/${sandbox.id}/ports/8080/again`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(again.status, 200, await again.clone().text());
  });

  it('deletes the sandbox and leaves nothing in the engine', async () => {
    const res = await api(`/sandboxes/${sandbox.id}`, { method: 'DELETE' });
    assert.equal(res.status, 202);
    await eventually('the sandbox to be deleted', async () => (await (await api(`/sandboxes/${sandbox.id}`)).json()).state === 'deleted', {
      timeoutMs: 60_000,
    });
    const containers = await managedContainers();
    assert.equal(containers.filter(c => c.Labels['portal.sandbox/id'] === sandbox.id || c.Names[0].slice(1) === sandbox.externalId).length, 0);
    assert.equal((await volumeNames()).filter(v => v.includes(sandbox.id) || v.includes(sandbox.externalId)).length, 0);
    assert.equal(existsSync(join(runDir, sandbox.externalId)), false, 'run directory removed');
    sandbox = undefined;
  });
});
