// The OpenHands runtime API contract test, on the REAL backend and the REAL Docker engine, written
// from OpenHands' own clients: sandbox-server's RemoteSandboxService, the SDK's APIRemoteWorkspace
// and the legacy RemoteRuntime. Their agent-server image cannot be pulled here, so the test builds
// a stand-in (test/fixtures/openhands-agent-server) that serves /alive, /health and the
// authenticated POST /api/bash/execute_bash_command on port 60000, checking X-Session-API-Key.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { dockerSocket, managedContainers, volumeNames } from './lib/docker.mjs';
import { eventually, freePort, repoRoot, startPortal } from './lib/portal.mjs';

const IMAGE = 'portal-test/openhands-agent-server:latest';

function buildFixtureImage() {
  const t0 = Date.now();
  execFileSync('docker', ['build', '-q', '--network', 'host', '-t', IMAGE, join(repoRoot, 'test/fixtures/openhands-agent-server')], {
    env: { ...process.env, DOCKER_HOST: `unix://${dockerSocket()}`, DOCKER_BUILDKIT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return Date.now() - t0;
}

describe('OpenHands runtime API (contract, Docker engine)', () => {
  let portal;
  let token;
  let apiUrl; // what OpenHands reads from SANDBOX_REMOTE_RUNTIME_API_URL
  let apiKey; // SANDBOX_API_KEY
  let otherKey; // a key of another workspace
  const sessions = [];
  const sandboxIds = new Set();
  const figures = {};

  const portalApi = (path, init = {}) =>
    fetch(`${portal.baseUrl}/api/sandbox${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
    });
  // the runtime API, called like RemoteSandboxService._send_runtime_api_request does
  const runtimeApi = (method, path, body, key = apiKey) =>
    fetch(`${apiUrl}${path}`, {
      method,
      headers: { 'X-API-Key': key, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  const json = async res => {
    const text = await res.text();
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  };

  /** What the SDK's _wait_until_runtime_alive does: poll the session until pod_status is ready, then /health. */
  async function waitUntilAlive(sessionId) {
    const t0 = Date.now();
    const runtime = await eventually(`session ${sessionId} to be running`, async () => {
      const res = await runtimeApi('GET', `/sessions/${sessionId}`);
      const data = await json(res);
      if (['failed', 'unknown'].includes(data.pod_status)) throw new Error(`runtime failed: ${JSON.stringify(data)}`);
      return data.status === 'running' && data.pod_status === 'ready' && data;
    }, { timeoutMs: 90_000, intervalMs: 250 });
    const health = await fetch(`${runtime.url}/health`);
    assert.equal(health.status, 200);
    return { runtime, ms: Date.now() - t0 };
  }

  const bash = (runtime, command, key = runtime.session_api_key) =>
    fetch(`${runtime.url}/api/bash/execute_bash_command`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(key ? { 'X-Session-API-Key': key } : {}) },
      body: JSON.stringify({ command, timeout: 30 }),
    });

  const startRequest = sessionId => ({
    // as RemoteSandboxService.start_sandbox sends it (command as a list), plus the SDK's string form below
    image: IMAGE,
    command: ['/usr/local/bin/openhands-agent-server', '--port', '60000'],
    working_dir: '/',
    environment: { WORKER_1: '12000', WORKER_2: '12001', GREETING: 'hello from openhands' },
    session_id: sessionId,
    resource_factor: 1,
    run_as_user: 10001,
    run_as_group: 10001,
    fs_group: 10001,
    runtime_class: 'sysbox-runc',
  });

  before(async () => {
    figures.fixtureBuildMs = buildFixtureImage();
    const gatewayPort = await freePort();
    portal = await startPortal({
      extraConfig: {
        sandbox: {
          driver: 'docker',
          docker: { socketPath: dockerSocket() },
          // other suites' containers share the engine: no orphan reaping during this test
          reconciler: { schedule: { frequency: { minutes: 30 }, timeout: { minutes: 1 }, initialDelay: { minutes: 30 } } },
          openhands: {
            enabled: true,
            allowedImages: ['portal-test/openhands-agent-server:*'],
            network: false,
            gateway: { host: '127.0.0.1', port: gatewayPort, baseUrl: `http://127.0.0.1:${gatewayPort}` },
          },
        },
      },
    });
    token = await portal.guestToken();
    apiUrl = `${portal.baseUrl}/api/sandbox/openhands`;
    // the guest is an admin of `default`: it makes the key OpenHands uses
    const created = await portalApi('/workspaces/default/api-keys', { method: 'POST', body: JSON.stringify({ name: 'openhands e2e' }) });
    assert.equal(created.status, 201, await created.clone().text());
    apiKey = (await created.json()).key;
    const other = `oh-other-${Date.now().toString(36)}`;
    const ws = await portalApi('/workspaces', { method: 'POST', body: JSON.stringify({ name: other }) });
    assert.equal(ws.status, 201, await ws.clone().text());
    otherKey = (await (await portalApi(`/workspaces/${other}/api-keys`, { method: 'POST', body: JSON.stringify({ name: 'other' }) })).json()).key;
  });

  after(async () => {
    // stop whatever a failed step left running, then check the engine holds nothing of ours
    try {
      for (const s of sessions) {
        const rt = await json(await runtimeApi('GET', `/sessions/${s}`));
        if (rt?.runtime_id && rt.status !== 'stopped') await runtimeApi('POST', '/stop', { runtime_id: rt.runtime_id });
      }
      if (sandboxIds.size > 0) {
        await eventually('the runtimes\' containers and volumes to be gone', async () => {
          const containers = (await managedContainers()).filter(c => sandboxIds.has(c.Labels['portal.sandbox/id']));
          const volumes = (await volumeNames()).filter(v => [...sandboxIds].some(id => v.includes(id)));
          return containers.length === 0 && volumes.length === 0;
        }, { timeoutMs: 60_000 });
      }
    } finally {
      console.log(`openhands e2e figures: ${JSON.stringify(figures)}`);
      await portal?.stop();
    }
  });

  it('start -> running once /alive answers -> command through url with the session key (401 without)', async () => {
    const sessionId = `e2e-${Date.now().toString(36)}`;
    sessions.push(sessionId);
    const t0 = Date.now();
    const res = await runtimeApi('POST', '/start', startRequest(sessionId));
    const runtime = await json(res);
    assert.equal(res.status, 201, JSON.stringify(runtime));
    figures.startRequestMs = Date.now() - t0;
    sandboxIds.add(runtime.sandbox_id);
    assert.equal(runtime.session_id, sessionId);
    assert.match(runtime.url, new RegExp(`/${runtime.runtime_id}$`));
    assert.ok(runtime.session_api_key.length >= 32);
    assert.ok(['starting', 'running'].includes(runtime.status));

    const { runtime: ready, ms } = await waitUntilAlive(sessionId);
    figures.startToRunningMs = Date.now() - t0;
    figures.pollUntilReadyMs = ms;
    assert.equal(ready.runtime_id, runtime.runtime_id);
    assert.equal((await fetch(`${ready.url}/alive`)).status, 200);

    const out = await bash(ready, 'echo "$GREETING"; id -u; test -n "$SESSION_API_KEY" && test "$SESSION_API_KEY" = "$OH_SESSION_API_KEYS_0" && echo keys-injected');
    const result = await json(out);
    assert.equal(out.status, 200, JSON.stringify(result));
    assert.equal(result.exit_code, 0, JSON.stringify(result));
    assert.deepEqual(result.stdout.trim().split('\n'), ['hello from openhands', '10001', 'keys-injected']);
    assert.equal((await bash(ready, 'true', null)).status, 401);
    assert.equal((await bash(ready, 'true', 'not-the-key')).status, 401);

    // an ordinary sandbox: in the portal, labelled with the session, in the key's workspace
    const sandbox = await (await portalApi(`/sandboxes/${runtime.sandbox_id}`)).json();
    assert.equal(sandbox.workspace, 'default');
    assert.equal(sandbox.state, 'running');
    assert.equal(sandbox.labels['openhands/session'], sessionId);
    assert.equal(sandbox.owner, 'user:default/guest');

    // the listings the clients use
    const list = await json(await runtimeApi('GET', '/list'));
    assert.ok(list.runtimes.some(r => r.runtime_id === runtime.runtime_id && r.status === 'running'));
    const batch = await json(await runtimeApi('GET', `/sessions/batch?ids=${sessionId}&ids=nope`));
    assert.deepEqual(batch.map(r => r.session_id), [sessionId]);
    const legacy = await json(await runtimeApi('GET', `/runtime/${runtime.runtime_id}`));
    assert.equal(legacy.pod_status, 'ready');
  });

  it('pause -> url answers 503 -> resume -> the same runtime works again -> stop -> 404 -> start again = new runtime', async () => {
    const sessionId = sessions[0];
    const { runtime } = await waitUntilAlive(sessionId);
    await bash(runtime, 'echo kept > /tmp/marker');

    let t0 = Date.now();
    const paused = await runtimeApi('POST', '/pause', { runtime_id: runtime.runtime_id });
    assert.equal(paused.status, 200, await paused.clone().text());
    figures.pauseMs = Date.now() - t0;
    assert.equal((await paused.json()).status, 'paused');
    assert.equal((await json(await runtimeApi('GET', `/sessions/${sessionId}`))).status, 'paused');
    const at503 = await fetch(`${runtime.url}/alive`);
    assert.equal(at503.status, 503);

    t0 = Date.now();
    const resumed = await runtimeApi('POST', '/resume', { runtime_id: runtime.runtime_id });
    assert.equal(resumed.status, 200, await resumed.clone().text());
    const { runtime: again } = await waitUntilAlive(sessionId);
    figures.resumeToRunningMs = Date.now() - t0;
    assert.equal(again.runtime_id, runtime.runtime_id);
    const marker = await (await bash(again, 'cat /tmp/marker')).json();
    assert.equal(marker.stdout.trim(), 'kept');

    const stopped = await runtimeApi('POST', '/stop', { runtime_id: runtime.runtime_id });
    assert.equal(stopped.status, 200, await stopped.clone().text());
    assert.equal((await stopped.json()).status, 'stopped');
    assert.equal((await fetch(`${runtime.url}/alive`)).status, 404);
    assert.equal((await json(await runtimeApi('GET', `/sessions/${sessionId}`))).status, 'stopped');
    assert.ok(!(await json(await runtimeApi('GET', '/list'))).runtimes.some(r => r.runtime_id === runtime.runtime_id));
    await eventually('the stopped runtime\'s sandbox to be deleted', async () =>
      (await (await portalApi(`/sandboxes/${runtime.sandbox_id}`)).json()).state === 'deleted', { timeoutMs: 60_000 });

    // the SDK's form: the command as one string
    const res = await runtimeApi('POST', '/start', { ...startRequest(sessionId), command: '/usr/local/bin/openhands-agent-server --port 60000' });
    const next = await json(res);
    assert.equal(res.status, 201, JSON.stringify(next));
    sandboxIds.add(next.sandbox_id);
    assert.notEqual(next.runtime_id, runtime.runtime_id);
    assert.notEqual(next.session_api_key, runtime.session_api_key);
    const { runtime: nextReady } = await waitUntilAlive(sessionId);
    assert.equal((await (await bash(nextReady, 'echo new')).json()).stdout.trim(), 'new');
    assert.equal((await runtimeApi('POST', '/stop', { runtime_id: next.runtime_id })).status, 200);
  });

  it('refuses a bad API key (401), hides other workspaces\' runtimes (404), refuses images not allowed (400)', async () => {
    const sessionId = sessions[0];
    assert.equal((await runtimeApi('GET', '/list', undefined, 'psk_not-a-key')).status, 401);
    assert.equal((await fetch(`${apiUrl}/list`)).status, 401);
    assert.equal((await runtimeApi('POST', '/start', startRequest('x'), 'wrong')).status, 401);

    const mine = await json(await runtimeApi('GET', `/sessions/${sessionId}`));
    assert.equal((await runtimeApi('GET', `/sessions/${sessionId}`, undefined, otherKey)).status, 404);
    assert.equal((await runtimeApi('GET', `/runtime/${mine.runtime_id}`, undefined, otherKey)).status, 404);
    assert.equal((await runtimeApi('POST', '/pause', { runtime_id: mine.runtime_id }, otherKey)).status, 404);
    assert.deepEqual((await json(await runtimeApi('GET', '/list', undefined, otherKey))).runtimes, []);

    const refused = await runtimeApi('POST', '/start', { ...startRequest('y'), image: 'debian:bookworm' });
    assert.equal(refused.status, 400);
    assert.match((await refused.json()).error.message, /^image: /);
    assert.equal((await runtimeApi('GET', '/sessions/y')).status, 404);
  });
});
