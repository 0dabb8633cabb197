// Benchmark: API create -> running for sandboxes on the real Docker engine, beside raw
// `docker run -d` of the same image measured in the same run. Prints p50 / p95 and the ratio.
// Target (issue "Sandboxes"): ratio of p50 <= 1.5.
//
//   node test/bench/sandbox-start.mjs [--n 20]
// Needs the built portal (scripts/build-portal.sh), the engine (docker_start) and the images.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { performance } from 'node:perf_hooks';
import { dockerSocket, engine } from '../e2e/lib/docker.mjs';
import { startPortal } from '../e2e/lib/portal.mjs';

const run = promisify(execFile);
const n = Number(process.argv[process.argv.indexOf('--n') + 1]) || 20;
const image = 'portal-sandbox/base:latest';
const socket = dockerSocket();

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const fmt = ms => `${ms.toFixed(0)} ms`;

async function rawDockerRun() {
  const times = [];
  const env = { ...process.env, DOCKER_HOST: `unix://${socket}` };
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    // async, so this process keeps draining the portal's output pipe meanwhile
    const { stdout } = await run('docker', ['run', '-d', '--network', 'none', '--label', 'bench=raw', image, 'sleep', 'infinity'], { env });
    times.push(performance.now() - t0);
    await run('docker', ['rm', '-f', stdout.trim()], { env });
  }
  return times;
}

async function apiCreate(portal, token) {
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await fetch(`${portal.baseUrl}/api/sandbox/sandboxes`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: `bench-${Date.now().toString(36)}-${i}`, workspace: 'default', template: 'base' }),
    });
    if (res.status !== 201) throw new Error(`create answered ${res.status}: ${await res.text()}`);
    const { id } = await res.json();
    let state;
    do {
      state = (await (await fetch(`${portal.baseUrl}/api/sandbox/sandboxes/${id}`, { headers })).json()).state;
      if (state === 'failed') throw new Error(`sandbox ${id} failed`);
    } while (state !== 'running');
    times.push(performance.now() - t0);
    await fetch(`${portal.baseUrl}/api/sandbox/sandboxes/${id}`, { method: 'DELETE', headers });
  }
  return times;
}

const portal = await startPortal({ extraConfig: { sandbox: { driver: 'docker', docker: { socketPath: socket } } } });
try {
  await engine('GET', '/_ping');
  const raw = await rawDockerRun();
  // signed in after the raw runs: an idle keep-alive socket would have timed out meanwhile
  const token = await portal.guestToken();
  const api = await apiCreate(portal, token);
  const rows = [
    ['raw docker run -d', raw],
    ['API create -> running', api],
  ];
  console.log(`sandbox-start benchmark, n=${n}, image ${image}`);
  for (const [name, t] of rows) {
    console.log(`${name.padEnd(24)} p50 ${fmt(quantile(t, 0.5)).padStart(7)}  p95 ${fmt(quantile(t, 0.95)).padStart(7)}`);
  }
  const ratio = quantile(api, 0.5) / quantile(raw, 0.5);
  console.log(`ratio p50 API / raw: ${ratio.toFixed(2)} (target <= 1.5)`);
  console.log(`ratio p95 API / raw: ${(quantile(api, 0.95) / quantile(raw, 0.95)).toFixed(2)}`);
} catch (e) {
  console.error(portal.output().slice(-3000));
  throw e;
} finally {
  await portal.stop();
}
