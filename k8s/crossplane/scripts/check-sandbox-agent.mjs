#!/usr/bin/env node
// Checks the portal agent of the Sandbox composition offline (no cluster):
//   1. renders every Sandbox composition's go-templating steps (helm template, as
//      scripts/checks/validate-k8s.mjs does) with the examples, fresh and with its resources
//      observed: Secret <name>-agent holds a generated token that the next reconcile keeps (and a
//      fresh render does not repeat); the pod starts only once that Secret is observed; Role +
//      RoleBinding <name>-agent let the portal's ServiceAccount `get` that one Secret; NetworkPolicy
//      <name>-agent admits only the portal's pods, only to the agent port; the init container
//      copies Node (with its shared libraries and loader) and the agent out of the provider's
//      portal image; the sandbox container runs, through that loader,
//      `node portal-agent.js --listen 0.0.0.0:7070 --token-env PORTAL_AGENT_TOKEN -- <process>`
//      with the token from the Secret, spec.process's command, workingDir and uid/gid, and a
//      readiness probe on the agent;
//   2. runs what was rendered on this host: the init container's copy script (into a temporary
//      directory standing in for the emptyDir), then the container's command line with the
//      rendered token: the probe's path answers 200 without a token, exec 401 without and 200
//      with it, the main process after `--` runs, and SIGTERM ends both;
//   3. when a Docker engine answers: the copied Node and agent in an image with no files at all.
// Usage: HELM=<helm> node k8s/crossplane/scripts/check-sandbox-agent.mjs <rendered overlay.yaml>...
//   (scripts/checks/k8s.sh passes the kustomized overlays crossplane-<provider>-apis.yaml)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadDocs, renderPipeline, ROOT } from '../../../scripts/checks/lib/gotemplating.mjs';

const require = createRequire(path.join(ROOT, 'package.json'));
const yaml = require('yaml');

const AGENT_SCRIPT = path.join(ROOT, 'plugins/sandbox-backend/agent/portal-agent.js');
const files = process.argv.slice(2);
if (!files.length) {
  console.error('usage: HELM=<helm> check-sandbox-agent.mjs <kustomized overlay.yaml>...');
  process.exit(2);
}

const failures = [];
const check = (ok, message) => {
  if (!ok) failures.push(message);
  return ok;
};
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** Renders all steps; `observed` are the composed resources a later reconcile sees. */
function render(composition, xr, observed = {}) {
  const { outputs, context } = renderPipeline(composition, xr, { observed });
  return { outputs, settings: context['platform.portal.internal/settings'] ?? {} };
}

/** What the API server would hold after applying `docs`: by composition-resource-name. */
function observe(docs) {
  const resources = {};
  for (const d of docs) {
    const name = d.metadata?.annotations?.['gotemplating.fn.crossplane.io/composition-resource-name'];
    if (name) resources[name] = { resource: { ...d, status: { readyReplicas: 1, replicas: 1 } } };
  }
  return resources;
}

const example = name => yaml.parse(fs.readFileSync(path.join(ROOT, 'k8s/crossplane/examples', name), 'utf8'));
const examples = ['sandbox.yaml', 'sandbox-from-snapshot.yaml', 'sandbox-with-process.yaml'].map(f => [f, example(f)]);

// --- 1. render -------------------------------------------------------------------------------
const runnable = []; // { where, init, container, token }
const compositions = files.flatMap(loadDocs).filter(o => o.kind === 'Composition' && o.spec?.compositeTypeRef?.kind === 'Sandbox');
check(compositions.length > 0, `no Sandbox composition in ${files.join(', ')}`);
let renders = 0;
for (const c of compositions) {
  for (const [file, xr] of examples) {
    const id = `Composition/${c.metadata.name} with ${file}`;
    const name = xr.metadata.name;
    const find = (docs, kind, n) => docs.find(d => d.kind === kind && d.metadata?.name === n);
    const fresh = render(c, xr);
    const again = render(c, xr);
    const later = render(c, xr, observe(fresh.outputs));
    renders += 3;
    const secretOf = docs => find(docs, 'Secret', `${name}-agent`);
    const tokenOf = docs => Buffer.from(String(secretOf(docs)?.data?.token ?? ''), 'base64').toString('utf8');
    const token = tokenOf(fresh.outputs);
    check(secretOf(fresh.outputs)?.type === 'Opaque', `${id}: no Opaque Secret ${name}-agent`);
    check(/^[A-Za-z0-9]{43}$/.test(token), `${id}: the agent token is not 43 random letters and digits: '${token}'`);
    check(tokenOf(again.outputs) !== token, `${id}: two fresh renders gave the same token (not random)`);
    check(tokenOf(later.outputs) === token, `${id}: the next reconcile changed the token (it must reuse the observed Secret)`);

    const role = find(fresh.outputs, 'Role', `${name}-agent`);
    check(
      same(role?.rules, [{ apiGroups: [''], resources: ['secrets'], resourceNames: [`${name}-agent`], verbs: ['get'] }]),
      `${id}: Role ${name}-agent grants ${JSON.stringify(role?.rules)}`,
    );
    const binding = find(fresh.outputs, 'RoleBinding', `${name}-agent`);
    const portalNamespace = fresh.settings.portalNamespace ?? 'sandbox-portal';
    check(
      same(binding?.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${name}-agent` }) &&
        same(binding?.subjects, [{ kind: 'ServiceAccount', name: fresh.settings.portalServiceAccount ?? 'sandbox-portal', namespace: portalNamespace }]),
      `${id}: RoleBinding ${name}-agent is ${JSON.stringify({ roleRef: binding?.roleRef, subjects: binding?.subjects })}`,
    );

    const sts = find(later.outputs, 'StatefulSet', name);
    const pod = sts?.spec.template;
    const policy = find(fresh.outputs, 'NetworkPolicy', `${name}-agent`);
    if (check(policy && pod, `${id}: no NetworkPolicy ${name}-agent or StatefulSet ${name}`)) {
      const selects = Object.entries(policy.spec.podSelector.matchLabels).every(([k, v]) => pod.metadata.labels[k] === v);
      check(selects, `${id}: NetworkPolicy ${name}-agent does not select the sandbox pod`);
      check(same(policy.spec.policyTypes, ['Ingress']), `${id}: NetworkPolicy ${name}-agent policyTypes ${policy.spec.policyTypes}`);
      const rules = policy.spec.ingress;
      check(
        rules.length === 1 &&
          rules[0].from.length === 1 &&
          rules[0].from[0].namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === portalNamespace &&
          Object.keys(rules[0].from[0].podSelector?.matchLabels ?? {}).length > 0 &&
          same(rules[0].ports, [{ protocol: 'TCP', port: 7070 }]),
        `${id}: NetworkPolicy ${name}-agent admits ${JSON.stringify(rules)}`,
      );
    }
    if (!pod) continue;
    const running = !xr.spec.repo && xr.spec.replicas !== 0;
    if (running) {
      check(find(fresh.outputs, 'StatefulSet', name).spec.replicas === 0, `${id}: the pod starts before Secret ${name}-agent is observed`);
      check(sts.spec.replicas === 1, `${id}: with the Secret observed, replicas is ${sts.spec.replicas}`);
    }
    const init = pod.spec.initContainers?.find(i => i.name === 'portal-agent');
    const container = pod.spec.containers.find(k => k.name === 'sandbox');
    if (!check(init && container, `${id}: no init container portal-agent or container sandbox`)) continue;
    check(init.image && init.image === fresh.settings.portalImage, `${id}: init container image ${init.image}, settings.portalImage ${fresh.settings.portalImage}`);
    check(
      same(init.resources, container.resources),
      `${id}: the init container's resources ${JSON.stringify(init.resources)} differ from the sandbox's (the quota would count them)`,
    );
    check(init.securityContext?.readOnlyRootFilesystem && init.securityContext?.allowPrivilegeEscalation === false, `${id}: init container securityContext`);
    const mount = (k, v) => k.volumeMounts?.find(m => m.name === 'portal-agent' && m.mountPath === '/opt/portal' && !!m.readOnly === v);
    check(mount(init, false) && mount(container, true), `${id}: /opt/portal is not the emptyDir (rw in the init container, ro in the sandbox)`);
    check(pod.spec.volumes.some(v => v.name === 'portal-agent' && v.emptyDir), `${id}: volume portal-agent is no emptyDir`);
    check(
      same(container.command, [
        '/opt/portal/lib/ld.so',
        '--library-path',
        '/opt/portal/lib',
        '/opt/portal/node',
        '/opt/portal/portal-agent.js',
        '--listen',
        '0.0.0.0:7070',
        '--token-env',
        'PORTAL_AGENT_TOKEN',
        '--',
      ]),
      `${id}: container command ${JSON.stringify(container.command)}`,
    );
    const process = xr.spec.process;
    const expectedArgs = process?.command ?? ['/bin/sh', '-c', 'echo "sandbox $0 started"; exec sleep infinity', name];
    check(same(container.args, expectedArgs), `${id}: the process after -- is ${JSON.stringify(container.args)}`);
    check(container.workingDir === (process?.workingDir ?? '/workspace'), `${id}: workingDir ${container.workingDir}`);
    const ctx = pod.spec.securityContext;
    check(
      ctx.runAsNonRoot === true && ctx.runAsUser === (process?.runAsUser ?? 1000) && ctx.runAsGroup === (process?.runAsGroup ?? process?.runAsUser ?? 1000),
      `${id}: pod runs as ${ctx.runAsUser}:${ctx.runAsGroup} (runAsNonRoot ${ctx.runAsNonRoot})`,
    );
    const tokenEnv = container.env.find(e => e.name === 'PORTAL_AGENT_TOKEN');
    check(
      same(tokenEnv?.valueFrom, { secretKeyRef: { name: `${name}-agent`, key: 'token' } }),
      `${id}: PORTAL_AGENT_TOKEN comes from ${JSON.stringify(tokenEnv)}`,
    );
    for (const [k, v] of Object.entries(xr.spec.env ?? {}))
      check(container.env.some(e => e.name === k && e.value === v), `${id}: env ${k} missing`);
    check(
      container.ports?.some(p => p.name === 'agent' && p.containerPort === 7070),
      `${id}: no container port named agent (7070): the driver finds the agent by it`,
    );
    const probe = container.readinessProbe?.httpGet;
    check(probe?.port === 7070 && probe?.path, `${id}: readiness probe ${JSON.stringify(container.readinessProbe)}`);
    const status = find(later.outputs, 'Sandbox', undefined)?.status ?? later.outputs.find(d => d.kind === 'Sandbox')?.status;
    check(status?.connection?.agentPort === 7070 && status?.connection?.agentSecretName === `${name}-agent`, `${id}: status.connection ${JSON.stringify(status?.connection)}`);
    if (!process) runnable.push({ where: id, init, container, token, name });
  }
}
console.log(`   rendered ${compositions.length} Sandbox compositions x ${examples.length} examples (${renders} renders: fresh, fresh again, observed)`);

// --- 2. run the rendered init container and command line on this host ----------------------
function freePort() {
  return new Promise(resolve => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function request(port, method, p, { token, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: p,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      },
      res => {
        let data = '';
        res.on('data', c => (data += c));
        res.on('end', () => resolve({ status: res.statusCode, body: data }));
      },
    );
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

const seen = new Set();
for (const { where, init, container, token, name } of runnable) {
  const signature = JSON.stringify([init.command, container.command, container.args.slice(0, 3), container.readinessProbe]);
  if (seen.has(signature)) continue;
  seen.add(signature);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-agent-'));
  const local = s => String(s).replaceAll('/opt/portal', dir);
  let child;
  try {
    // the init container: its copy script, with the emptyDir at `dir` and the agent from the repo
    const copy = spawnSync(process.execPath, init.command.slice(1).map(local), {
      encoding: 'utf8',
      env: { ...process.env, AGENT_SCRIPT },
    });
    check(copy.status === 0, `${where}: the init container's copy failed: ${copy.stderr}`);
    check(fs.statSync(path.join(dir, 'node')).mode & 0o111, `${where}: the copied node is not executable`);
    check((fs.statSync(path.join(dir, 'portal-agent.js')).mode & 0o222) === 0, `${where}: the copied agent is writable`);
    const libs = fs.readdirSync(path.join(dir, 'lib'));
    check(libs.includes('ld.so') && libs.some(l => l.startsWith('libc.so')), `${where}: the copied libraries lack the loader or libc: ${libs}`);

    // the sandbox container: the rendered command line, on a loopback port instead of 0.0.0.0:7070
    const port = await freePort();
    const argv = [...container.command, ...container.args].map(a => (a === '0.0.0.0:7070' ? `127.0.0.1:${port}` : local(a)));
    let output = '';
    child = spawn(argv[0], argv.slice(1), {
      cwd: dir,
      env: { PATH: process.env.PATH, PORTAL_AGENT_TOKEN: token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', c => (output += c));
    child.stderr.on('data', c => (output += c));
    const exited = new Promise(resolve => child.on('exit', (code, signal) => resolve({ code, signal })));
    const t0 = Date.now();
    let probe;
    while (Date.now() - t0 < 10_000) {
      probe = await request(port, 'GET', container.readinessProbe.httpGet.path).catch(() => undefined);
      if (probe) break;
      await new Promise(r => setTimeout(r, 50));
    }
    const readyMs = Date.now() - t0;
    check(probe?.status === 200, `${where}: readiness probe GET ${container.readinessProbe.httpGet.path} answered ${probe?.status}: ${output}`);
    const health = await request(port, 'GET', '/v1/health');
    check(health.status === 401, `${where}: /v1/health without the token answered ${health.status}`);
    const exec = { command: ['sh', '-c', 'echo "[$PORTAL_AGENT_TOKEN]" && pwd'] };
    const refused = await request(port, 'POST', '/v1/exec', { body: exec });
    check(refused.status === 401, `${where}: exec without the token answered ${refused.status}`);
    const wrong = await request(port, 'POST', '/v1/exec', { body: exec, token: `${token}x` });
    check(wrong.status === 401, `${where}: exec with a wrong token answered ${wrong.status}`);
    const t1 = Date.now();
    const ok = await request(port, 'POST', '/v1/exec', { body: exec, token });
    const execMs = Date.now() - t1;
    const result = ok.status === 200 ? JSON.parse(ok.body) : {};
    check(ok.status === 200 && result.exitCode === 0, `${where}: exec with the token answered ${ok.status}: ${ok.body}`);
    check(result.stdout === `[]\n${fs.realpathSync(dir)}\n`, `${where}: exec output ${JSON.stringify(result.stdout)} (the token must not reach commands)`);
    await new Promise(r => setTimeout(r, 100));
    check(output.includes(`sandbox ${name} started`), `${where}: the main process after -- did not run: ${output}`);
    child.kill('SIGTERM');
    const end = await Promise.race([exited, new Promise(r => setTimeout(() => r(undefined), 5000))]);
    check(end && end.code === 143, `${where}: after SIGTERM the agent ended with ${JSON.stringify(end)} (expected 143: the main process's)`);
    console.log(
      `   ${where}: ready ${readyMs} ms; probe 200, /v1/health 401, exec 401 without / with a wrong token, 200 with it (${execMs} ms); main process ran; SIGTERM -> ${end?.code}`,
    );
  } finally {
    child?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
check(seen.size > 0, 'no rendered sandbox container to run');

// --- 3. optional: the same in an image with no files at all, on a Docker engine --------------
// Proves "any image": Node runs through the loader and libraries the init container copied.
// DOCKER_HOST, else the engine scripts/services/docker.sh runs under $PORTAL_CACHE, else the default
const cacheSocket = path.join(process.env.PORTAL_CACHE ?? path.join(ROOT, '.cache'), 'docker/docker.sock');
const dockerEnv = { ...process.env, ...(!process.env.DOCKER_HOST && fs.existsSync(cacheSocket) ? { DOCKER_HOST: `unix://${cacheSocket}` } : {}) };
const docker = (args, options = {}) => spawnSync('docker', args, { encoding: 'utf8', timeout: 60_000, env: dockerEnv, ...options });
const engine = docker(['version', '--format', '{{.Server.Version}}'], { timeout: 10_000 });
if (engine.status !== 0 || !runnable.length) {
  console.log('   no Docker engine reachable: the empty-image run is skipped');
} else {
  const { where, init, container, token } = runnable[0];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-agent-empty-'));
  const tag = `portal-check/empty-image:${process.pid}`;
  const name = `check-sandbox-agent-${process.pid}-${Date.now()}`;
  try {
    fs.chmodSync(dir, 0o755);
    const local = s => String(s).replaceAll('/opt/portal', dir);
    const copy = spawnSync(process.execPath, init.command.slice(1).map(local), { encoding: 'utf8', env: { ...process.env, AGENT_SCRIPT } });
    check(copy.status === 0, `${where}: the init container's copy failed: ${copy.stderr}`);
    const imported = docker(['import', '-', tag], { input: execFileSync('tar', ['cf', '-', '-T', '/dev/null']) });
    check(imported.status === 0, `docker import of an empty image failed: ${imported.stderr}`);
    const node = container.command.slice(0, 4); // ld.so --library-path lib node
    const run = docker([
      'run', '-d', '--name', name, '--user', '1000:1000', '--network', 'none',
      '-e', `PORTAL_AGENT_TOKEN=${token}`, '-v', `${dir}:/opt/portal:ro`, tag,
      ...container.command, ...node, '-e', 'console.log("main process up"); setInterval(() => {}, 1 << 30)',
    ]);
    check(run.status === 0, `docker run of the agent in an empty image failed: ${run.stderr}`);
    const probeScript = `
      const get = (p, init) => fetch('http://127.0.0.1:7070' + p, init).then(r => r.status);
      const exec = { method: 'POST', body: JSON.stringify({ command: [${JSON.stringify(node).slice(1, -1)}, '-p', 'process.getuid()'] }) };
      (async () => {
        for (let i = 0; i < 100; i++) { try { await get('/healthz'); break; } catch { await new Promise(r => setTimeout(r, 50)); } }
        const ok = await fetch('http://127.0.0.1:7070/v1/exec', { ...exec, headers: { authorization: 'Bearer ${token}' } }).then(r => r.json());
        console.log(JSON.stringify({ probe: await get('/healthz'), denied: await get('/v1/exec', exec), ok }));
      })();`;
    const probe = docker(['exec', name, ...node, '-e', probeScript]);
    const seenInside = probe.status === 0 ? JSON.parse(probe.stdout.trim().split('\n').pop()) : {};
    check(
      seenInside.probe === 200 && seenInside.denied === 401 && seenInside.ok?.exitCode === 0 && seenInside.ok?.stdout === '1000\n',
      `${where}: in an empty image: ${probe.stdout}${probe.stderr}`,
    );
    const logs = docker(['logs', name]);
    check(logs.stdout.includes('main process up'), `${where}: in an empty image the main process did not run: ${logs.stdout}${logs.stderr}`);
    console.log(`   empty image (no files) on Docker ${engine.stdout.trim()}: probe ${seenInside.probe}, exec ${seenInside.denied} without the token, exit ${seenInside.ok?.exitCode} as uid ${String(seenInside.ok?.stdout).trim()} with it`);
  } finally {
    docker(['rm', '-f', name]);
    docker(['rmi', tag]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (failures.length) {
  for (const f of failures) console.error(`   ${f}`);
  console.error(`check-sandbox-agent: ${failures.length} problem(s)`);
  process.exit(1);
}
console.log(`   sandbox agent: ${compositions.length} compositions rendered and ${seen.size} command line(s) run, all good`);
