// Sandboxes end to end on the REAL Docker engine: the scaffolder runs the Python template through
// the built portal, the container gets the asked limits, the repo is cloned, the catalog shows the
// sandbox, delete cleans the engine; bad input creates nothing; a backend killed mid-provisioning
// leaves no orphan after restart.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engine, managedContainers, volumeNames, dockerSocket } from './lib/docker.mjs';
import { eventually, repoRoot, startPortal } from './lib/portal.mjs';

function makeRepo() {
  const dir = mkdtempSync(join(tmpdir(), 'e2e-repo-'));
  const git = (...args) => execFileSync('git', args, { cwd: dir, env: { ...process.env, GIT_AUTHOR_NAME: 'e2e', GIT_AUTHOR_EMAIL: 'e2e@test', GIT_COMMITTER_NAME: 'e2e', GIT_COMMITTER_EMAIL: 'e2e@test' } });
  git('init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'main.py'), 'print("hello from the sandbox")\n');
  git('add', '.');
  git('commit', '-q', '-m', 'initial commit from the e2e test');
  return `file://${dir}`;
}

const sandboxConfig = () => ({
  sandbox: {
    driver: 'docker',
    docker: { socketPath: dockerSocket(), gitAllowedProtocols: ['file', 'https'] },
    reconciler: { staleAfterSeconds: 2, schedule: { frequency: { seconds: 2 }, timeout: { minutes: 1 }, initialDelay: { seconds: 0 } } },
  },
});

describe('sandboxes on the Docker engine', () => {
  let portal;
  let token;
  let repoUrl;
  const api = (path, init = {}) =>
    fetch(`${portal.baseUrl}/api/sandbox${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
    });

  before(async () => {
    repoUrl = makeRepo();
    portal = await startPortal({ extraConfig: sandboxConfig() });
    token = await portal.guestToken();
    // readiness comes before the catalog has ingested the templates: wait for ours
    await eventually('the python-sandbox template in the catalog', async () => {
      const res = await fetch(`${portal.baseUrl}/api/catalog/entities/by-name/template/default/python-sandbox`, { headers: { Authorization: `Bearer ${token}` } });
      return res.ok;
    }, { timeoutMs: 60_000 });
  });

  after(async () => {
    await portal?.stop();
  });

  it('runs the Python template through the scaffolder: limits, clone, catalog entity, delete', async () => {
    const name = `py-${Date.now().toString(36)}`;
    const task = await fetch(`${portal.baseUrl}/api/scaffolder/v2/tasks`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        templateRef: 'template:default/python-sandbox',
        values: { name, workspace: 'default', ownerGroup: 'group:default/guests', size: 'small', repoUrl, ttlHours: 1 },
      }),
    });
    assert.equal(task.status, 201, await task.clone().text());
    const { id: taskId } = await task.json();
    const done = await eventually('the scaffolder task to finish', async () => {
      const res = await fetch(`${portal.baseUrl}/api/scaffolder/v2/tasks/${taskId}`, { headers: { Authorization: `Bearer ${token}` } });
      const t = await res.json();
      return ['completed', 'failed'].includes(t.status) && t;
    }, { timeoutMs: 120_000, intervalMs: 500 });
    const events = await (await fetch(`${portal.baseUrl}/api/scaffolder/v2/tasks/${taskId}/events`, { headers: { Authorization: `Bearer ${token}` } })).json();
    const log = events.filter(e => e.type === 'log').map(e => e.body.message).join('\n');
    assert.equal(done.status, 'completed', log);
    assert.match(log, /running/);

    const list = await (await api(`/sandboxes?workspace=default`)).json();
    const sandbox = list.items.find(s => s.name === name);
    assert.ok(sandbox, 'the sandbox is listed');
    assert.equal(sandbox.state, 'running');
    assert.equal(sandbox.owner, 'user:default/guest');
    assert.match(sandbox.links.vscode, /^vscode:\/\/vscode-remote\/ssh-remote\+/);

    // limits read back from the engine
    const inspect = await engine('GET', `/containers/${sandbox.externalId}/json`);
    assert.equal(inspect.status, 200);
    const hc = inspect.body.HostConfig;
    assert.equal(hc.NanoCpus, 0.5e9);
    assert.equal(hc.Memory, 512 * 1024 * 1024);
    assert.equal(hc.PidsLimit, 256);
    assert.equal(hc.NetworkMode, 'none');
    assert.equal(inspect.body.Config.User, '1000:1000');
    assert.equal(inspect.body.Config.Labels['portal.sandbox/workspace'], 'default');
    assert.equal(inspect.body.Config.Labels['portal.sandbox/owner'], 'user:default/guest');

    // the repository is cloned, as the sandbox user
    const exec = await (await api(`/sandboxes/${sandbox.id}/exec`, {
      method: 'POST',
      body: JSON.stringify({ command: ['sh', '-c', 'git -C /workspace log --oneline && stat -c %u /workspace/main.py && id -un'] }),
    })).json();
    assert.equal(exec.exitCode, 0, exec.stderr);
    assert.match(exec.stdout, /initial commit from the e2e test/);
    assert.match(exec.stdout, /\n1000\nsandbox\n$/);

    // IDE path: an SSH client reaches the network-less sandbox through scripts/sandbox-ssh
    const keyDir = mkdtempSync(join(tmpdir(), 'e2e-ssh-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(keyDir, 'id')]);
    const sshHost = decodeURIComponent(/ssh-remote\+([^/]+)/.exec(sandbox.links.vscode)[1]);
    assert.equal(sshHost, `sandbox@${name}.default.sandbox.localhost`);
    const sshOut = execFileSync('ssh', [
      '-i', join(keyDir, 'id'), '-o', 'IdentitiesOnly=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
      '-o', `ProxyCommand=${join(repoRoot, 'scripts/sandbox-ssh')} %h`, sshHost, 'cat /workspace/main.py',
    ], { env: { ...process.env, SANDBOX_SSH_PUBKEY: readFileSync(join(keyDir, 'id.pub'), 'utf8').trim(), DOCKER_HOST: `unix://${dockerSocket()}` } }).toString();
    assert.equal(sshOut, 'print("hello from the sandbox")\n');

    // the catalog holds the sandbox Resource, owned by the group
    const entity = await eventually('the sandbox Resource in the catalog', async () => {
      const res = await fetch(`${portal.baseUrl}/api/catalog/entities/by-name/resource/default/sandbox-${name}`, { headers: { Authorization: `Bearer ${token}` } });
      return res.ok && res.json();
    });
    assert.equal(entity.spec.type, 'sandbox');
    assert.equal(entity.spec.owner, 'group:default/guests');
    assert.equal(entity.metadata.annotations['portal.sandbox/id'], sandbox.id);

    // delete removes container and volume
    assert.equal((await api(`/sandboxes/${sandbox.id}`, { method: 'DELETE' })).status, 202);
    await eventually('the sandbox to be deleted', async () => (await (await api(`/sandboxes/${sandbox.id}`)).json()).state === 'deleted');
    assert.equal((await engine('GET', `/containers/${sandbox.externalId}/json`)).status, 404);
    assert.ok(!(await volumeNames()).some(v => v.includes(sandbox.id)), 'the workspace volume is gone');
    await eventually('the Resource to leave the catalog', async () => {
      const res = await fetch(`${portal.baseUrl}/api/catalog/entities/by-name/resource/default/sandbox-${name}`, { headers: { Authorization: `Bearer ${token}` } });
      return res.status === 404;
    });
  });

  it('rejects bad input with 4xx and creates no container', async () => {
    const before = (await managedContainers()).length;
    const cases = [
      [{ name: 'a1', workspace: 'default', size: 'huge' }, 400, /size/],
      [{ name: 'a2', workspace: 'default', ttlSeconds: -1 }, 400, /ttlSeconds/],
      [{ name: 'a3', workspace: 'default', repo: { url: 'ftp:/nope' } }, 400, /repo\.url/],
      [{ name: 'a4' }, 400, /workspace/],
    ];
    for (const [body, status, message] of cases) {
      const res = await api('/sandboxes', { method: 'POST', body: JSON.stringify(body) });
      assert.equal(res.status, status);
      assert.match((await res.json()).error.message, message);
    }
    const badQuery = await api('/sandboxes?wait=maybe', { method: 'POST', body: JSON.stringify({ name: 'a5', workspace: 'default', template: 'base' }) });
    assert.equal(badQuery.status, 400);
    assert.match((await badQuery.json()).error.message, /query: wait/);
    // wait=true: the answer comes once the container runs, no polling
    const first = await api('/sandboxes?wait=true', { method: 'POST', body: JSON.stringify({ name: 'clash', workspace: 'default', template: 'base' }) });
    assert.equal(first.status, 201);
    const created = await first.json();
    assert.equal(created.state, 'running');
    assert.equal((await engine('GET', `/containers/${created.externalId}/json`)).body.State.Running, true);
    const clash = await api('/sandboxes', { method: 'POST', body: JSON.stringify({ name: 'clash', workspace: 'default', template: 'base' }) });
    assert.equal(clash.status, 409);
    assert.equal((await managedContainers()).length, before + 1);
    await api(`/sandboxes/${created.id}`, { method: 'DELETE' });
    await eventually('clash sandbox deleted', async () => (await (await api(`/sandboxes/${created.id}`)).json()).state === 'deleted');
    assert.equal((await managedContainers()).length, before);
  });

  it('a backend killed mid-provisioning leaves no orphan: after restart the sandbox ends running or failed', async () => {
    const res = await api('/sandboxes', { method: 'POST', body: JSON.stringify({ name: 'crashy', workspace: 'default', template: 'python', repo: { url: repoUrl } }) });
    assert.equal(res.status, 201);
    const { id } = await res.json();
    // kill as soon as provisioning has begun
    await eventually('provisioning to begin', async () => ['provisioning', 'running'].includes((await (await api(`/sandboxes/${id}`)).json()).state), { intervalMs: 20 });
    await portal.stop('SIGKILL');

    portal = await startPortal({ extraConfig: sandboxConfig(), dataDir: portal.dataDir, port: portal.port });
    token = await portal.guestToken();
    const final = await eventually('the interrupted sandbox to settle', async () => {
      const s = await (await api(`/sandboxes/${id}`)).json();
      return ['running', 'failed'].includes(s.state) && s;
    }, { timeoutMs: 60_000 });
    if (final.state === 'failed') assert.ok(final.reason, 'a failed sandbox names its reason');

    // every managed container belongs to a live sandbox row; at most one container for this one
    const containers = await managedContainers();
    const mine = containers.filter(c => c.Labels['portal.sandbox/id'] === id);
    assert.equal(mine.length, final.state === 'running' ? 1 : 0);
    for (const c of containers) {
      const row = await (await api(`/sandboxes/${c.Labels['portal.sandbox/id']}`)).json();
      assert.notEqual(row.state, 'deleted', `container ${c.Id} belongs to a deleted sandbox`);
      assert.ok(row.id, `container ${c.Id} has no sandbox row`);
    }
    await api(`/sandboxes/${id}`, { method: 'DELETE' });
    await eventually('crashy deleted', async () => (await (await api(`/sandboxes/${id}`)).json()).state === 'deleted');
  });
});
