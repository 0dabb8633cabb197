// Starts the BUILT portal (scripts/build-portal.sh: backend bundle + frontend, production
// dependencies) with plain node, the way production runs it, on a free port with its own SQLite.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../../..');

export async function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
    srv.on('error', rej);
  });
}

function yamlOf(value, indent = '') {
  // a tiny JSON -> YAML writer for config objects (JSON is valid YAML; keep it readable anyway)
  return JSON.stringify(value, null, 2);
}

/**
 * @param {{ extraConfig?: object, dataDir?: string, port?: number, env?: object }} options
 */
export async function startPortal(options = {}) {
  const dist = process.env.PORTAL_DIST ?? join(process.env.PORTAL_CACHE ?? join(repoRoot, '.cache'), 'portal-dist');
  const backendDir = join(dist, 'packages/backend');
  if (!existsSync(join(backendDir, 'dist/index.cjs.js')) || !existsSync(join(dist, 'packages/app/dist/index.html'))) {
    throw new Error(`The portal is not built in ${dist}: run scripts/build-portal.sh first (scripts/test.sh does)`);
  }
  const port = options.port ?? (await freePort());
  const baseUrl = `http://localhost:${port}`;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'portal-e2e-'));
  const config = {
    app: { baseUrl },
    backend: {
      baseUrl,
      listen: { port, host: '127.0.0.1' },
      database: { client: 'better-sqlite3', connection: { directory: join(dataDir, 'sqlite') } },
      cors: { origin: baseUrl },
    },
    auth: { providers: { guest: { dangerouslyAllowOutsideDevelopment: true, userEntityRef: 'user:default/guest' } } },
    ...(options.extraConfig ?? {}),
  };
  const configFile = join(dataDir, `e2e-config-${port}.yaml`);
  writeFileSync(configFile, yamlOf(config));
  const child = spawn(
    process.execPath,
    ['.', '--config', '../../app-config.yaml', '--config', configFile],
    {
      cwd: backendDir,
      env: { ...process.env, NODE_ENV: 'production', ...(options.env ?? {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', d => (output += d));
  child.stderr.on('data', d => (output += d));
  const exited = new Promise(r => child.once('exit', code => r(code)));

  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`portal exited with ${child.exitCode} during start:\n${output.slice(-4000)}`);
    }
    try {
      const res = await fetch(`${baseUrl}/.backstage/health/v1/readiness`);
      if (res.ok) break;
    } catch {}
    if (Date.now() - started > 90_000) {
      child.kill('SIGKILL');
      throw new Error(`portal not ready after 90 s:\n${output.slice(-4000)}`);
    }
    await new Promise(r => setTimeout(r, 250));
  }
  const readyMs = Date.now() - started;

  return {
    baseUrl,
    port,
    dataDir,
    readyMs,
    pid: child.pid,
    output: () => output,
    async guestToken() {
      const res = await fetch(`${baseUrl}/api/auth/guest/refresh?env=production`, {
        headers: { 'X-Requested-With': 'XMLHttpRequest' },
      });
      if (!res.ok) throw new Error(`guest sign-in failed: ${res.status} ${await res.text()}`);
      return (await res.json()).backstageIdentity.token;
    },
    /** SIGTERM and wait (graceful); `kill('SIGKILL')` simulates a crash. */
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls `fn` until it returns a truthy value or the time runs out (then throws `what`). */
export async function eventually(what, fn, { timeoutMs = 30_000, intervalMs = 250 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    }
    await new Promise(r => setTimeout(r, intervalMs));
  }
}
