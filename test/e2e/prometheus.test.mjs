// Observability end to end: a REAL Prometheus (Debian's package) on loopback scrapes the BUILT
// portal every second with the repository's recording and alerting rules loaded; creating a
// sandbox through the REST API shows up as sandbox and HTTP metrics in Prometheus' query API. The
// same portal checks the request ids of the structured (JSON) request log.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, repoRoot, startPortal } from './lib/portal.mjs';

const PROMETHEUS = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
const RULES = join(repoRoot, 'k8s/observability/prometheus/rules');

function assertPrometheusInstalled() {
  if (!existsSync(PROMETHEUS)) {
    throw new Error(
      `prometheus is not installed (looked for ${PROMETHEUS}): apt-get install prometheus ` +
        '(Debian; starts no service), or set PROMETHEUS_BIN',
    );
  }
}

/** Starts Prometheus with a config scraping `target` every second; resolves once it is ready. */
async function startPrometheus({ target, portalUrl }) {
  assertPrometheusInstalled();
  const dir = mkdtempSync(join(tmpdir(), 'e2e-prometheus-'));
  const port = await freePort();
  const config = {
    global: {
      scrape_interval: '1s',
      evaluation_interval: '1s',
      external_labels: { portal_url: portalUrl },
    },
    rule_files: [
      join(RULES, 'sandbox-portal.recording.yml'),
      join(RULES, 'sandbox-portal.alerts.yml'),
    ],
    scrape_configs: [
      {
        job_name: 'sandbox-portal',
        metrics_path: '/metrics',
        static_configs: [{ targets: [target] }],
      },
    ],
  };
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, JSON.stringify(config, null, 2)); // JSON is YAML
  const child = spawn(
    PROMETHEUS,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', d => (output += d));
  child.stderr.on('data', d => (output += d));
  const exited = new Promise(r => child.once('exit', code => r(code)));
  const url = `http://127.0.0.1:${port}`;
  await eventually(
    'Prometheus to be ready',
    async () => {
      if (child.exitCode !== null) {
        throw new Error(
          `prometheus exited with ${child.exitCode}:\n${output.slice(-3000)}`,
        );
      }
      return (await fetch(`${url}/-/ready`)).ok;
    },
    { timeoutMs: 30_000 },
  );
  return {
    url,
    output: () => output,
    async query(expr) {
      const res = await fetch(
        `${url}/api/v1/query?${new URLSearchParams({ query: expr })}`,
      );
      const body = await res.json();
      assert.equal(
        body.status,
        'success',
        `query ${expr} failed: ${JSON.stringify(body)}`,
      );
      return body.data.result;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

describe('Prometheus scraping the portal', () => {
  let portal;
  let prometheus;
  let token;

  before(async () => {
    assertPrometheusInstalled(); // before the portal: fail fast and loudly
    portal = await startPortal({
      extraConfig: { sandbox: { driver: 'memory' } },
    });
    token = await portal.guestToken();
    const started = Date.now();
    prometheus = await startPrometheus({
      target: `127.0.0.1:${portal.port}`,
      portalUrl: portal.baseUrl,
    });
    console.log(
      `portal ready in ${portal.readyMs} ms, Prometheus in ${
        Date.now() - started
      } ms (${prometheus.url})`,
    );
  });

  after(async () => {
    await prometheus?.stop();
    await portal?.stop();
  });

  it('scrapes the portal and loads the repository rules', async () => {
    const up = await eventually('up{job="sandbox-portal"} == 1', async () => {
      const result = await prometheus.query('up{job="sandbox-portal"}');
      return result.length === 1 && result[0].value[1] === '1' && result;
    });
    assert.equal(up[0].metric.instance, `127.0.0.1:${portal.port}`);

    const rules = await (await fetch(`${prometheus.url}/api/v1/rules`)).json();
    const loaded = rules.data.groups.flatMap(g => g.rules);
    assert.ok(loaded.length >= 16, `rules loaded: ${loaded.length}`);
    const unhealthy = loaded.filter(r => r.health === 'err');
    assert.deepEqual(
      unhealthy.map(r => `${r.name}: ${r.lastError}`),
      [],
    );
  });

  it('shows a sandbox created through the REST API as provisioning and HTTP metrics', async () => {
    const started = Date.now();
    const name = `prom-${Date.now().toString(36)}`;
    const res = await fetch(`${portal.baseUrl}/api/sandbox/sandboxes`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ name, workspace: 'default', template: 'python' }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    const sandbox = await res.json();

    await eventually(`sandbox ${sandbox.id} running`, async () => {
      const r = await fetch(
        `${portal.baseUrl}/api/sandbox/sandboxes/${sandbox.id}`,
        {
          headers: { Authorization: `Bearer ${token}` },
        },
      );
      return (await r.json()).state === 'running';
    });

    const provisions = await eventually(
      'sandbox_provision_duration_seconds_count in Prometheus',
      async () => {
        const result = await prometheus.query(
          'sandbox_provision_duration_seconds_count{job="sandbox-portal"}',
        );
        return result.some(s => Number(s.value[1]) >= 1) && result;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    // series of every template exist from start-up at 0; ours is the one that counted
    const success = provisions.find(
      s => s.metric.outcome === 'success' && Number(s.value[1]) >= 1,
    );
    assert.ok(
      success,
      `a successful provision: ${JSON.stringify(
        provisions.map(s => s.metric),
      )}`,
    );
    assert.equal(success.metric.driver, 'memory');
    assert.equal(success.metric.template, 'python');

    const http = await eventually(
      'http_request_duration_seconds_count{plugin="sandbox"} in Prometheus',
      async () => {
        const result = await prometheus.query(
          'sum by (method, status_code) (http_request_duration_seconds_count{job="sandbox-portal", plugin="sandbox"})',
        );
        return (
          result.some(
            s => s.metric.method === 'POST' && s.metric.status_code === '201',
          ) && result
        );
      },
    );
    assert.ok(http.length >= 1);
    console.log(
      `sandbox and HTTP metrics in Prometheus ${
        Date.now() - started
      } ms after the create`,
    );

    // the recording rules evaluate on real data (rate needs two scrapes after the requests)
    await eventually(
      'plugin:http_requests:rate5m{plugin="sandbox"}',
      async () =>
        (
          await prometheus.query(
            'plugin:http_requests:rate5m{plugin="sandbox"} > 0',
          )
        ).length === 1,
    );
    const sandboxes = await eventually(
      'workspace_state:sandboxes:max',
      async () => {
        const result = await prometheus.query(
          'workspace_state:sandboxes:max{workspace="default", state="running"}',
        );
        return result.length === 1 && result;
      },
    );
    assert.ok(Number(sandboxes[0].value[1]) >= 1);

    // and no alert fires on a healthy portal
    const alerts = await prometheus.query('ALERTS{alertstate="firing"}');
    assert.deepEqual(
      alerts.map(a => a.metric.alertname),
      [],
    );
  });

  it('writes JSON request log lines carrying the X-Request-Id it answers with', async () => {
    const given = `e2e-${Date.now().toString(36)}`;
    const res = await fetch(
      `${portal.baseUrl}/api/sandbox/sandboxes?workspace=default`,
      {
        headers: { Authorization: `Bearer ${token}`, 'X-Request-Id': given },
      },
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-request-id'), given);

    const generated = (
      await fetch(`${portal.baseUrl}/api/sandbox/sandboxes`, {
        headers: { 'X-Request-Id': 'not sane!' },
      })
    ).headers.get('x-request-id');
    assert.match(generated, /^[0-9a-f-]{36}$/);

    const lines = await eventually('both request log lines', () => {
      const parsed = portal
        .output()
        .split('\n')
        .filter(l => l.startsWith('{'))
        .map(l => JSON.parse(l));
      const mine = parsed.filter(
        l =>
          l.type === 'incomingRequest' &&
          [given, generated].includes(l.requestId),
      );
      return mine.length === 2 && mine;
    });
    const [ok, denied] = lines;
    assert.equal(ok.requestId, given);
    assert.equal(ok.status, 200);
    assert.equal(ok.url, '/api/sandbox/sandboxes?workspace=default');
    assert.equal(typeof ok.responseTimeMs, 'number');
    assert.equal(ok.level, 'info');
    assert.ok(ok.timestamp, 'JSON lines carry a timestamp');
    assert.equal(denied.status, 401);
  });
});
