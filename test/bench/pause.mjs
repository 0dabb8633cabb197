// Benchmark: pause / resume latency of a sandbox on the real Docker engine, through the
// DockerDriver (cgroup freezer + the inspect poll that waits for the engine to read the new
// state), and resume -> first exec completed. Prints p50 / p95 over --cycles (default 20).
// Peer figure (issue "Agent runtime"): E2B resumes paused sandboxes in a few hundred ms.
//
//   node test/bench/pause.mjs [--cycles 20]
// Needs the engine (docker_start) and the images (scripts/build-images.sh). Leaves nothing behind.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { dockerSocket } from '../e2e/lib/docker.mjs';

const require = createRequire(import.meta.url);
require('sucrase/register/ts'); // load the plugin's TypeScript sources directly
const {
  DockerDriver,
} = require('../../plugins/sandbox-backend/src/drivers/docker/DockerDriver.ts');
const { SANDBOX_SIZES } = require('../../plugins/sandbox-common/src/index.ts');

const arg = (name, dflt) =>
  process.argv.includes(name)
    ? Number(process.argv[process.argv.indexOf(name) + 1])
    : dflt;
const cycles = arg('--cycles', 20);
const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const row = (label, values) =>
  console.log(
    `${label.padEnd(38)} p50 ${quantile(values, 0.5)
      .toFixed(1)
      .padStart(7)} ms   p95 ${quantile(values, 0.95)
      .toFixed(1)
      .padStart(7)} ms   max ${Math.max(...values)
      .toFixed(1)
      .padStart(7)} ms`,
  );

const driver = new DockerDriver({ socketPath: dockerSocket() });
await driver.healthCheck();
const id = `bench-pause-${Date.now().toString(36)}`;
const { externalId } = await driver.create({
  id,
  name: id,
  workspace: 'bench',
  owner: 'user:default/bench',
  image: 'portal-sandbox/base:latest',
  size: SANDBOX_SIZES.small,
  env: {},
  network: false,
  labels: {
    'portal.sandbox/id': id,
    'portal.sandbox/workspace': 'bench',
    'portal.sandbox/owner': 'user:default/bench',
  },
});

const pause = [];
const resume = [];
const resumeToExec = [];
const execOnly = [];
try {
  await driver.exec(externalId, {
    command: ['sh', '-c', 'echo kept > /workspace/bench.txt'],
  });
  for (let i = 0; i < cycles; i++) {
    let t = performance.now();
    await driver.exec(externalId, { command: ['true'] });
    execOnly.push(performance.now() - t);

    t = performance.now();
    await driver.pause(externalId);
    pause.push(performance.now() - t);

    t = performance.now();
    await driver.resume(externalId);
    resume.push(performance.now() - t);
    const r = await driver.exec(externalId, {
      command: ['cat', '/workspace/bench.txt'],
    });
    resumeToExec.push(performance.now() - t);
    if (r.stdout !== 'kept\n')
      throw new Error(`workspace lost across pause: ${JSON.stringify(r)}`);
  }
} finally {
  await driver.remove(externalId);
}

console.log(
  `pause / resume on Docker (${cycles} cycles, driver ${driver.name}, image portal-sandbox/base)`,
);
row('pause (until inspect reads paused)', pause);
row('resume (until inspect reads running)', resume);
row('resume -> first exec completed', resumeToExec);
row('exec round trip (for scale)', execOnly);
