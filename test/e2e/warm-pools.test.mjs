// Warm pools end to end on the REAL Docker engine through the built portal: a create is served
// from the pool (running at once, exec works), and a backend killed while the pool refills and
// while a claim is in flight leaves, after restart, every pool container either in the pool or
// owned by exactly one sandbox; none leaked. The pool's template has a unique name, so only this
// test's containers are looked at and removed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dockerSocket, engine } from './lib/docker.mjs';
import { eventually, startPortal } from './lib/portal.mjs';

const TEMPLATE = `e2ewp${Date.now().toString(36)}`;
const SIZE = 3;

const config = () => ({
  sandbox: {
    driver: 'docker',
    docker: { socketPath: dockerSocket() },
    templates: { [TEMPLATE]: { image: 'portal-sandbox/base:latest' } },
    warmPools: [{ template: TEMPLATE, min: SIZE, max: SIZE, refillPerMinute: 60 }],
    warmPoolRefill: {
      schedule: { frequency: { seconds: 1 }, timeout: { minutes: 1 }, initialDelay: { seconds: 0 } },
      staleCreatingSeconds: 3,
    },
    reconciler: { staleAfterSeconds: 2, schedule: { frequency: { seconds: 2 }, timeout: { minutes: 1 }, initialDelay: { seconds: 0 } } },
  },
});

async function poolContainers() {
  const filters = encodeURIComponent(JSON.stringify({ label: [`portal.sandbox/pool=${TEMPLATE}`] }));
  return (await engine('GET', `/containers/json?all=1&filters=${filters}`)).body ?? [];
}

describe('warm pools on the Docker engine', () => {
  let portal;
  let token;
  const api = (path, init = {}) =>
    fetch(`${portal.baseUrl}/api/sandbox${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
    });
  const poolSize = async state => {
    const text = await (await fetch(`${portal.baseUrl}/metrics`)).text();
    const line = text.split('\n').find(l => l.startsWith('sandbox_warm_pool_size{') && l.includes(`template="${TEMPLATE}"`) && l.includes(`state="${state}"`));
    return line ? Number(line.split(' ').pop()) : 0;
  };
  const restart = async () => {
    portal = await startPortal({ extraConfig: config(), dataDir: portal.dataDir, port: portal.port });
    token = await portal.guestToken();
  };
  const mySandboxes = async () => {
    const items = (await (await api('/sandboxes?workspace=default&limit=200')).json()).items;
    return items.filter(s => s.template === TEMPLATE);
  };

  before(async () => {
    portal = await startPortal({ extraConfig: config() });
    token = await portal.guestToken();
  });

  after(async () => {
    await portal?.stop();
    for (const c of await poolContainers()) await engine('DELETE', `/containers/${c.Id}?force=1&v=1`);
  });

  it('serves a create from the pool: running at once, the first command runs', async () => {
    await eventually('a full pool', async () => (await poolSize('ready')) === SIZE, { timeoutMs: 120_000 });
    const res = await api('/sandboxes', { method: 'POST', body: JSON.stringify({ name: `warm-${TEMPLATE}`, workspace: 'default', template: TEMPLATE }) });
    assert.equal(res.status, 201);
    const sandbox = await res.json();
    assert.equal(sandbox.state, 'running');
    const members = (await poolContainers()).map(c => c.Names[0].slice(1));
    assert.ok(members.includes(sandbox.externalId), 'the sandbox runs in a pool container');
    const exec = await (await api(`/sandboxes/${sandbox.id}/exec`, { method: 'POST', body: JSON.stringify({ command: ['id', '-u'] }) })).json();
    assert.equal(exec.stdout.trim(), '1000');
    await api(`/sandboxes/${sandbox.id}`, { method: 'DELETE' });
    await eventually('the claimed sandbox deleted', async () => (await (await api(`/sandboxes/${sandbox.id}`)).json()).state === 'deleted');
    assert.ok(!(await poolContainers()).some(c => c.Names[0].slice(1) === sandbox.externalId), 'its container is gone');
  });

  it('a backend killed during a refill and during a claim leaks nothing and hands nothing out twice', async () => {
    // kill while the pool refills: drain a full pool by claims, then kill as soon as a refill has begun
    await eventually('a full pool', async () => (await poolSize('ready')) === SIZE, { timeoutMs: 120_000 });
    const claimed = [];
    for (let i = 0; i < SIZE; i++) {
      const res = await api('/sandboxes', { method: 'POST', body: JSON.stringify({ name: `drain-${i}-${TEMPLATE}`, workspace: 'default', template: TEMPLATE }) });
      claimed.push(await res.json());
    }
    await eventually('a refill to begin', async () => (await poolSize('creating')) > 0, { timeoutMs: 30_000, intervalMs: 20 });
    await portal.stop('SIGKILL');
    await restart();

    // kill while a claim is in flight
    await eventually('ready members', async () => (await poolSize('ready')) > 0, { timeoutMs: 120_000 });
    const inFlight = api('/sandboxes', { method: 'POST', body: JSON.stringify({ name: `inflight-${TEMPLATE}`, workspace: 'default', template: TEMPLATE }) }).catch(() => undefined);
    await new Promise(r => setTimeout(r, 5));
    await portal.stop('SIGKILL');
    await inFlight;
    await restart();

    // settle: the pool full again, no leftover being created
    await eventually('the pool to settle', async () => (await poolSize('ready')) === SIZE && (await poolSize('creating')) === 0, { timeoutMs: 120_000 });
    const sandboxes = (await mySandboxes()).filter(s => s.state !== 'deleted');
    const containers = (await poolContainers()).map(c => c.Names[0].slice(1));
    const owned = sandboxes.map(s => s.externalId).filter(Boolean);
    assert.equal(new Set(owned).size, owned.length, 'no container is owned by two sandboxes');
    for (const id of owned) {
      const s = sandboxes.find(x => x.externalId === id);
      // a claim that found the pool empty is a cold create: its container has no pool label
      if (s.state === 'running') {
        const inspected = await engine('GET', `/containers/${id}/json`);
        assert.equal(inspected.body?.State?.Status, 'running', `running sandbox ${s.name} has its container`);
      }
    }
    const free = containers.filter(c => !owned.includes(c));
    // every container no sandbox owns is a ready pool member: exactly the pool's size
    await eventually('orphans reaped', async () => {
      const now = (await poolContainers()).map(c => c.Names[0].slice(1)).filter(c => !owned.includes(c));
      return now.length === SIZE;
    }, { timeoutMs: 30_000 });
    assert.ok(free.length >= SIZE);
    for (const s of claimed) {
      assert.ok(owned.includes(s.externalId), `claimed sandbox ${s.name} kept its container`);
      assert.ok(containers.includes(s.externalId), `claimed sandbox ${s.name} runs in a pool container`);
    }

    for (const s of sandboxes) await api(`/sandboxes/${s.id}`, { method: 'DELETE' });
    await eventually('all deleted', async () => (await mySandboxes()).every(s => s.state === 'deleted'), { timeoutMs: 60_000 });
    assert.equal((await poolContainers()).length, SIZE, 'only the pool remains');
  });
});
