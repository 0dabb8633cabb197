// Benchmark: one command's round trip in a running sandbox, three ways, on the real Docker engine:
//   1. the portal agent inside the sandbox (unix socket in a bind-mounted directory; AgentClient),
//   2. the engine's exec API (create + start + inspect; DockerDriver.exec),
//   3. the `docker exec` CLI.
// Prints p50 / p95 over --runs (default 50) and the ratios; docs/operators/sandboxes.md records
// the figures and the choice.
//
//   node test/bench/exec.mjs [--runs 50]
// Needs the engine (docker_start) and the images (scripts/build-images.sh). Leaves nothing behind.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { dockerSocket } from '../e2e/lib/docker.mjs';

const require = createRequire(import.meta.url);
require('sucrase/register/ts'); // load the plugin's TypeScript sources directly
const { DockerDriver } = require('../../plugins/sandbox-backend/src/drivers/docker/DockerDriver.ts');
const { AgentClient } = require('../../plugins/sandbox-backend/src/agent/AgentClient.ts');
const { SANDBOX_SIZES } = require('../../plugins/sandbox-common/src/index.ts');

const arg = (name, dflt) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : dflt);
const runs = arg('--runs', 50);
const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const row = (label, values) =>
  console.log(
    `${label.padEnd(34)} p50 ${quantile(values, 0.5).toFixed(1).padStart(7)} ms   p95 ${quantile(values, 0.95)
      .toFixed(1)
      .padStart(7)} ms   max ${Math.max(...values).toFixed(1).padStart(7)} ms`,
  );

const socket = dockerSocket();
const runDir = mkdtempSync(path.join(os.tmpdir(), 'bench-exec-run-'));
const driver = new DockerDriver({ socketPath: socket, agent: { runDir } });
await driver.healthCheck();
const id = `bench-exec-${Date.now().toString(36)}`;
const { externalId } = await driver.create({
  id,
  name: id,
  workspace: 'bench',
  owner: 'user:default/bench',
  image: 'portal-sandbox/base:latest',
  size: SANDBOX_SIZES.small,
  env: {},
  network: false,
  labels: { 'portal.sandbox/id': id, 'portal.sandbox/workspace': 'bench', 'portal.sandbox/owner': 'user:default/bench' },
});
const agent = new AgentClient(await driver.agentEndpoint(externalId));
const cli = promisify(execFile);
const results = { agent: [], engine: [], cli: [], health: [] };
try {
  // warm-up, and a check each path runs the command for real
  const check = async (label, fn) => {
    const out = await fn();
    if (out.trim() !== 'ok') throw new Error(`${label} answered ${JSON.stringify(out)}`);
  };
  await check('agent', async () => (await agent.exec({ command: ['echo', 'ok'] })).stdout);
  await check('engine', async () => (await driver.exec(externalId, { command: ['echo', 'ok'] })).stdout);
  await check('cli', async () => (await cli('docker', ['-H', `unix://${socket}`, 'exec', externalId, 'echo', 'ok'])).stdout);
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    await agent.health();
    results.health.push(performance.now() - t);
    t = performance.now();
    await agent.exec({ command: ['true'] });
    results.agent.push(performance.now() - t);
    t = performance.now();
    await driver.exec(externalId, { command: ['true'] });
    results.engine.push(performance.now() - t);
    t = performance.now();
    await cli('docker', ['-H', `unix://${socket}`, 'exec', externalId, 'true']);
    results.cli.push(performance.now() - t);
  }
} finally {
  agent.close();
  await driver.remove(externalId);
  rmSync(runDir, { recursive: true, force: true });
}

console.log(
  `exec round trip of \`true\` in a running sandbox (${runs} runs each, interleaved; ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)})`,
);
row('portal agent (unix socket)', results.agent);
row('agent health (no process spawned)', results.health);
row('engine exec API (DockerDriver)', results.engine);
row('docker exec CLI', results.cli);
const p50 = k => quantile(results[k], 0.5);
console.log(
  `ratios (p50): engine API / agent = ${(p50('engine') / p50('agent')).toFixed(1)}x, docker exec CLI / agent = ${(p50('cli') / p50('agent')).toFixed(1)}x`,
);
