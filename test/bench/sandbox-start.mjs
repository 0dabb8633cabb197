// Benchmark: how fast a sandbox starts and answers, on the real Docker engine, beside raw Docker
// measured in the same run. One run prints p50 / p95 of:
//   raw `docker run -d`, raw `docker exec`            (the Docker CLI: the baselines)
//   API create -> running (cold)                      (a template without a warm pool; POST ?wait=true)
//   API warm create -> first exec completed           (claim from a warm pool, then POST .../exec)
//   API exec round trip                               (POST /sandboxes/{id}/exec on a running sandbox)
//   N concurrent warm creates -> first exec           (wall time of the batch and per request)
// with ratios to the raw baselines and the targets of the issues "Sandboxes" and "Agent runtime":
// cold create within 1.5x of raw docker run; warm create -> first exec p50 < 90 ms; exec p50 < 10 ms.
//
//   node test/bench/sandbox-start.mjs [--n 20] [--warm 50] [--concurrent 50]
// Needs the built portal (scripts/build-portal.sh), the engine (docker_start) and the images.
// Two portal runs: the first without warm pools (raw, cold, exec), the second with a pool of
// max(--warm, --concurrent) members of a template with the `base` image, so the refill of the pool does not compete
// with the cold and raw figures.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { performance } from 'node:perf_hooks';
import { dockerSocket, engine } from '../e2e/lib/docker.mjs';
import { startPortal, eventually } from '../e2e/lib/portal.mjs';

const run = promisify(execFile);
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) || fallback : fallback;
};
const n = arg('n', 20);
const warmN = arg('warm', 50);
const concurrentN = arg('concurrent', 50);
const poolSize = Math.max(warmN, concurrentN);
const image = 'portal-sandbox/base:latest';
// the pooled template has a name of its own, so the clean-up at the end removes only our members
const warmTemplate = `bench-warm-${Date.now().toString(36)}`;
const socket = dockerSocket();
const dockerEnv = { ...process.env, DOCKER_HOST: `unix://${socket}` };

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const fmt = ms => (ms < 100 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(0)} ms`);
const p50 = t => quantile(t, 0.5);
const p95 = t => quantile(t, 0.95);

// a workspace of its own with room for the concurrent batch; `bench-cold` has no pool
const baseConfig = {
  sandbox: {
    driver: 'docker',
    docker: { socketPath: socket },
    templates: { 'bench-cold': { image }, [warmTemplate]: { image } },
    workspaces: [
      { name: 'bench', plan: 'enterprise', members: [{ ref: 'user:default/guest', role: 'admin' }] },
    ],
  },
};

async function rawDockerRun() {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    // async, so this process keeps draining the portal's output pipe meanwhile
    const { stdout } = await run('docker', ['run', '-d', '--network', 'none', '--label', 'bench=raw', image, 'sleep', 'infinity'], { env: dockerEnv });
    times.push(performance.now() - t0);
    await run('docker', ['rm', '-f', stdout.trim()], { env: dockerEnv });
  }
  return times;
}

async function rawDockerExec() {
  const { stdout } = await run('docker', ['run', '-d', '--network', 'none', '--label', 'bench=raw', image, 'sleep', 'infinity'], { env: dockerEnv });
  const id = stdout.trim();
  const times = [];
  try {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await run('docker', ['exec', id, 'true'], { env: dockerEnv });
      times.push(performance.now() - t0);
    }
  } finally {
    await run('docker', ['rm', '-f', id], { env: dockerEnv });
  }
  return times;
}

function client(portal, token) {
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  const api = `${portal.baseUrl}/api/sandbox`;
  return {
    async create(template, name, { wait = false } = {}) {
      const res = await fetch(`${api}/sandboxes${wait ? '?wait=true' : ''}`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name, workspace: 'bench', template }),
      });
      if (res.status !== 201) throw new Error(`create answered ${res.status}: ${await res.text()}`);
      return res.json();
    },
    async state(id) {
      return (await (await fetch(`${api}/sandboxes/${id}`, { headers })).json()).state;
    },
    async exec(id, command) {
      const res = await fetch(`${api}/sandboxes/${id}/exec`, { method: 'POST', headers, body: JSON.stringify({ command }) });
      if (res.status !== 200) throw new Error(`exec answered ${res.status}: ${await res.text()}`);
      const body = await res.json();
      if (body.exitCode !== 0) throw new Error(`exec exited ${body.exitCode}: ${body.stderr}`);
      return body;
    },
    async remove(id) {
      await fetch(`${api}/sandboxes/${id}`, { method: 'DELETE', headers });
    },
  };
}

const names = prefix => {
  let i = 0;
  const stamp = Date.now().toString(36);
  return () => `${prefix}-${stamp}-${i++}`;
};

async function waitRunning(api, id) {
  let state;
  do {
    state = await api.state(id);
    if (state === 'failed') throw new Error(`sandbox ${id} failed`);
  } while (state !== 'running');
}

async function coldCreates(api) {
  const next = names('cold');
  const times = [];
  const ids = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    // one call that answers once the sandbox runs (POST ?wait=true), as an agent would use it:
    // a client polling GET in a tight loop would load the backend it measures
    const { id, state } = await api.create('bench-cold', next(), { wait: true });
    if (state !== 'running') throw new Error(`cold create ended ${state}`);
    times.push(performance.now() - t0);
    ids.push(id);
  }
  return { times, ids };
}

async function execRoundTrips(api, id) {
  await api.exec(id, ['true']); // warm the path once
  const times = [];
  for (let i = 0; i < Math.max(n, 50); i++) {
    const t0 = performance.now();
    await api.exec(id, ['true']);
    times.push(performance.now() - t0);
  }
  return times;
}

/** Warm create -> first exec completed; `hits` counts creates the pool served (running at once). */
async function warmCreate(api, name) {
  const t0 = performance.now();
  const sandbox = await api.create(warmTemplate, name);
  const hit = sandbox.state === 'running';
  if (!hit) await waitRunning(api, sandbox.id);
  await api.exec(sandbox.id, ['true']);
  return { ms: performance.now() - t0, id: sandbox.id, hit };
}

async function poolReady(portal) {
  const text = await (await fetch(`${portal.baseUrl}/metrics`)).text();
  const line = text.split('\n').find(l => l.startsWith('sandbox_warm_pool_size{') && l.includes(`template="${warmTemplate}"`) && l.includes('state="ready"'));
  return line ? Number(line.split(' ').pop()) : 0;
}

async function waitForPool(portal) {
  const t0 = performance.now();
  await eventually(`a warm pool of ${poolSize}`, async () => (await poolReady(portal)) >= poolSize, {
    timeoutMs: 15 * 60_000,
    intervalMs: 500,
  });
  return performance.now() - t0;
}

async function removeAll(api, ids) {
  await Promise.all(ids.map(id => api.remove(id)));
}

await engine('GET', '/_ping');
const raw = await rawDockerRun();
const rawExec = await rawDockerExec();

// run 1: no pools
let portal = await startPortal({ extraConfig: baseConfig });
let cold;
let exec;
try {
  const api = client(portal, await portal.guestToken());
  cold = await coldCreates(api);
  exec = await execRoundTrips(api, cold.ids[0]);
  await removeAll(api, cold.ids);
  await eventually('cold sandboxes deleted', async () => {
    const states = await Promise.all(cold.ids.map(id => api.state(id)));
    return states.every(s => s === 'deleted');
  }, { timeoutMs: 120_000 });
} catch (e) {
  console.error(portal.output().slice(-3000));
  throw e;
} finally {
  await portal.stop();
}

// run 2: a warm pool (same image as the cold template)
portal = await startPortal({
  extraConfig: {
    sandbox: {
      ...baseConfig.sandbox,
      warmPools: [{ template: warmTemplate, min: poolSize, max: poolSize, refillPerMinute: poolSize * 2 }],
      warmPoolRefill: { schedule: { frequency: { seconds: 2 }, timeout: { minutes: 1 }, initialDelay: { seconds: 1 } } },
    },
  },
});
let warm;
let concurrent;
let fillMs;
let fillAgainMs;
let batchMs;
try {
  const api = client(portal, await portal.guestToken());
  fillMs = await waitForPool(portal);
  const next = names('warm');
  warm = [];
  for (let i = 0; i < warmN; i++) warm.push(await warmCreate(api, next()));
  await removeAll(api, warm.map(w => w.id));
  fillAgainMs = await waitForPool(portal);
  const nextC = names('conc');
  const t0 = performance.now();
  concurrent = await Promise.all(Array.from({ length: concurrentN }, () => warmCreate(api, nextC())));
  batchMs = performance.now() - t0;
  await removeAll(api, concurrent.map(w => w.id));
} catch (e) {
  console.error(portal.output().slice(-3000));
  throw e;
} finally {
  await portal.stop();
}
// pool members outlive a backend stop (by design): remove this run's by their pool label
const filters = encodeURIComponent(JSON.stringify({ label: [`portal.sandbox/pool=${warmTemplate}`] }));
for (const c of (await engine('GET', `/containers/json?all=1&filters=${filters}`)).body ?? []) {
  await run('docker', ['rm', '-f', '-v', c.Id], { env: dockerEnv }).catch(() => undefined);
}

const warmMs = warm.map(w => w.ms);
const concMs = concurrent.map(w => w.ms);
const rows = [
  ['raw docker run -d', raw, ''],
  ['raw docker exec', rawExec, ''],
  ['API create -> running (cold)', cold.times, `ratio p50 to raw run ${(p50(cold.times) / p50(raw)).toFixed(2)} (target <= 1.5)`],
  ['API warm create -> 1st exec', warmMs, `ratio p50 to raw run ${(p50(warmMs) / p50(raw)).toFixed(2)}; target p50 < 90 ms`],
  ['API exec round trip', exec, `ratio p50 to raw exec ${(p50(exec) / p50(rawExec)).toFixed(2)}; target p50 < 10 ms`],
  [`${concurrentN} concurrent warm creates`, concMs, `batch wall time ${fmt(batchMs)}`],
];
console.log(`sandbox-start benchmark: n=${n}, warm=${warmN}, concurrent=${concurrentN}, image ${image}`);
for (const [name, t, note] of rows) {
  console.log(`${name.padEnd(32)} p50 ${fmt(p50(t)).padStart(9)}  p95 ${fmt(p95(t)).padStart(9)}  ${note}`);
}
console.log(`ratio p95 cold / raw run: ${(p95(cold.times) / p95(raw)).toFixed(2)}`);
console.log(
  `warm pool: filled ${poolSize} in ${(fillMs / 1000).toFixed(1)} s, refilled in ${(fillAgainMs / 1000).toFixed(1)} s; ` +
    `hits ${warm.filter(w => w.hit).length}/${warmN} sequential, ${concurrent.filter(w => w.hit).length}/${concurrentN} concurrent`,
);
const verdict = (ok, what) => console.log(`${ok ? 'MET ' : 'MISS'} ${what}`);
verdict(p50(cold.times) <= 1.5 * p50(raw), 'cold create within 1.5x of raw docker run -d (p50)');
verdict(p50(warmMs) < 90, 'warm create -> first exec p50 < 90 ms');
verdict(p50(exec) < 10, 'exec round trip p50 < 10 ms');
