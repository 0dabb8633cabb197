#!/usr/bin/env node
// Checks the VolumeSnapshot backups of the Sandbox composition offline (no cluster):
//   1. renders every Sandbox composition's go-templating steps (helm template, as
//      scripts/checks/validate-k8s.mjs does) with the examples: spec.backup gives a CronJob and its
//      ServiceAccount, Role, RoleBinding and NetworkPolicy; spec.restoreFrom the PVC's dataSource;
//      no spec.backup, none of them;
//   2. runs the CronJob's shell script (sh, awk, sort) against a fake `kubectl` that keeps
//      VolumeSnapshots in a JSON file: retention keeps exactly the N newest ready snapshots of this
//      sandbox (other sandboxes' and unready ones untouched); a snapshot that never becomes ready,
//      or fails, deletes nothing and fails the Job.
// Usage: HELM=<helm> node k8s/crossplane/scripts/check-snapshot-job.mjs <rendered overlay.yaml>...
//   (scripts/checks/k8s.sh passes the kustomized overlays crossplane-<provider>-apis.yaml)
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { loadDocs, renderPipeline, ROOT } from '../../../scripts/checks/lib/gotemplating.mjs';

const require = createRequire(path.join(ROOT, 'package.json'));
const yaml = require('yaml');

const files = process.argv.slice(2);
if (!files.length) {
  console.error('usage: HELM=<helm> check-snapshot-job.mjs <kustomized overlay.yaml>...');
  process.exit(2);
}

const failures = [];
const check = (ok, message) => {
  if (!ok) failures.push(message);
  return ok;
};

const render = (composition, xr) => renderPipeline(composition, xr).outputs;

const example = name => yaml.parse(fs.readFileSync(path.join(ROOT, 'k8s/crossplane/examples', name), 'utf8'));
const withBackup = example('sandbox.yaml');
const restored = example('sandbox-from-snapshot.yaml');
const plain = structuredClone(withBackup);
delete plain.spec.backup;

// --- 1. render -------------------------------------------------------------------------------
const scripts = new Map(); // script text -> { where, container }
const compositions = files.flatMap(loadDocs).filter(o => o.kind === 'Composition' && o.spec?.compositeTypeRef?.kind === 'Sandbox');
check(compositions.length > 0, `no Sandbox composition in ${files.join(', ')}`);
for (const c of compositions) {
  const id = `Composition/${c.metadata.name}`;
  const find = (docs, kind, name) => docs.find(d => d.kind === kind && d.metadata?.name === name);
  const a = withBackup.metadata.name;
  const docs = render(c, withBackup);
  const cron = find(docs, 'CronJob', `${a}-snapshots`);
  if (check(cron, `${id}: spec.backup renders no CronJob ${a}-snapshots`)) {
    check(cron.spec.schedule === withBackup.spec.backup.schedule, `${id}: CronJob schedule is ${cron.spec.schedule}`);
    check(cron.spec.concurrencyPolicy === 'Forbid', `${id}: CronJob runs concurrently`);
    const pod = cron.spec.jobTemplate.spec.template;
    check(pod.spec.serviceAccountName === `${a}-snapshots`, `${id}: the Job does not run as ${a}-snapshots`);
    check(pod.metadata.labels['platform.portal.internal/snapshots'] === a, `${id}: the Job's pod lacks the NetworkPolicy's label`);
    const env = Object.fromEntries(pod.spec.containers[0].env.map(e => [e.name, e.value]));
    check(env.PVC === `${a}-workspace` && env.RETENTION === '7' && env.SNAPSHOT_CLASS === '', `${id}: CronJob env ${JSON.stringify(env)}`);
  }
  for (const kind of ['ServiceAccount', 'Role', 'RoleBinding', 'NetworkPolicy'])
    check(find(docs, kind, `${a}-snapshots`), `${id}: spec.backup renders no ${kind} ${a}-snapshots`);
  const role = find(docs, 'Role', `${a}-snapshots`);
  check(
    JSON.stringify(role?.rules) ===
      JSON.stringify([{ apiGroups: ['snapshot.storage.k8s.io'], resources: ['volumesnapshots'], verbs: ['get', 'list', 'create', 'delete'] }]),
    `${id}: the snapshot Role grants ${JSON.stringify(role?.rules)}`,
  );
  check(!find(docs, 'PersistentVolumeClaim', `${a}-workspace`)?.spec.dataSource, `${id}: a PVC without restoreFrom has a dataSource`);

  const none = render(c, plain);
  check(!none.some(d => d.metadata?.name?.endsWith('-snapshots')), `${id}: without spec.backup it still renders snapshot objects`);

  const r = restored.metadata.name;
  const rdocs = render(c, restored);
  const pvc = find(rdocs, 'PersistentVolumeClaim', `${r}-workspace`);
  check(
    JSON.stringify(pvc?.spec.dataSource) ===
      JSON.stringify({ apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: restored.spec.restoreFrom.snapshotName }),
    `${id}: restoreFrom gives the PVC dataSource ${JSON.stringify(pvc?.spec.dataSource)}`,
  );
  const rcron = find(rdocs, 'CronJob', `${r}-snapshots`);
  if (rcron) {
    const container = rcron.spec.jobTemplate.spec.template.spec.containers[0];
    const script = container.command[2];
    if (!scripts.has(script)) scripts.set(script, { where: id, container });
  }
}
console.log(`   rendered ${compositions.length} Sandbox compositions x 3 examples; ${scripts.size} distinct snapshot script(s)`);

// --- 2. run the script against a fake kubectl ------------------------------------------------
const FAKE_KUBECTL = `#!/usr/bin/env node
// A fake kubectl for check-snapshot-job.mjs: VolumeSnapshots in $FAKE_STATE (JSON).
const fs = require('fs');
const yaml = require(${JSON.stringify(require.resolve('yaml'))});
const state = JSON.parse(fs.readFileSync(process.env.FAKE_STATE, 'utf8'));
const args = process.argv.slice(2);
state.calls.push(args.join(' '));
const save = () => fs.writeFileSync(process.env.FAKE_STATE, JSON.stringify(state, null, 2));
const get = (o, p) => p.replace(/^\\./, '').split('.').reduce((v, k) => (v == null ? undefined : v[k]), o);
const opt = name => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const fail = m => { save(); process.stderr.write(m + '\\n'); process.exit(1); };
const kinds = ['volumesnapshot', 'volumesnapshots'];
if (args[0] === 'create' && args[1] === '-f' && args[2] === '-') {
  const o = yaml.parse(fs.readFileSync(0, 'utf8'));
  if (o.kind !== 'VolumeSnapshot') fail('unexpected kind ' + o.kind);
  if (state.snapshots.some(s => s.metadata.name === o.metadata.name)) fail('AlreadyExists');
  o.metadata.creationTimestamp = new Date(Date.now()).toISOString().replace(/\\.\\d+Z$/, 'Z');
  o.status = { readyToUse: false };
  state.snapshots.push(o);
  save();
  console.log('volumesnapshot.snapshot.storage.k8s.io/' + o.metadata.name + ' created');
} else if (args[0] === 'get' && kinds.includes(args[1]) && args[2] && !args[2].startsWith('-')) {
  const s = state.snapshots.find(x => x.metadata.name === args[2]);
  if (!s) fail('Error from server (NotFound): volumesnapshots "' + args[2] + '" not found');
  // FAKE_MODE: the snapshot becomes ready on the 3rd read (ready), fails on the 2nd (error), or never
  const mode = process.env.FAKE_MODE;
  state.reads = (state.reads || 0) + 1;
  if (mode === 'ready' && state.reads >= 3) s.status.readyToUse = true;
  if (mode === 'error' && state.reads >= 2) s.status.error = { message: 'CSI driver: snapshot failed' };
  const jp = (opt('-o') || '').replace(/^jsonpath=/, '');
  const m = /^\\{(.+)\\}$/.exec(jp);
  if (!m) fail('fake kubectl: unsupported output ' + jp);
  const v = get(s, m[1]);
  save();
  process.stdout.write(v === undefined ? '' : String(v));
} else if (args[0] === 'get' && kinds.includes(args[1])) {
  const [key, value] = (opt('-l') || '').split('=');
  const cols = (opt('-o') || '').replace(/^custom-columns=/, '').split(',').map(c => c.split(':')[1]);
  if (!args.includes('--no-headers') || !cols.length) fail('fake kubectl: expected --no-headers -o custom-columns');
  for (const s of state.snapshots.filter(x => (x.metadata.labels || {})[key] === value)) {
    console.log(cols.map(c => { const v = get(s, c); return v === undefined ? '<none>' : String(v); }).join('   '));
  }
  save();
} else if (args[0] === 'delete' && kinds.includes(args[1])) {
  const before = state.snapshots.length;
  state.snapshots = state.snapshots.filter(x => x.metadata.name !== args[2]);
  if (state.snapshots.length === before) fail('NotFound');
  save();
  console.log('volumesnapshot.snapshot.storage.k8s.io "' + args[2] + '" deleted');
} else {
  fail('fake kubectl: unsupported: ' + args.join(' '));
}
`;

const snapshot = (name, of, created, ready) => ({
  apiVersion: 'snapshot.storage.k8s.io/v1',
  kind: 'VolumeSnapshot',
  metadata: { name, labels: { 'platform.portal.internal/snapshot-of': of }, creationTimestamp: created },
  status: { readyToUse: ready },
});

function runScript(script, container, mode, seeded) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snapshot-job-'));
  try {
    fs.writeFileSync(path.join(dir, 'kubectl'), FAKE_KUBECTL, { mode: 0o755 });
    const stateFile = path.join(dir, 'state.json');
    fs.writeFileSync(stateFile, JSON.stringify({ snapshots: seeded, calls: [] }));
    const env = Object.fromEntries(container.env.map(e => [e.name, e.value]));
    const t0 = Date.now();
    const run = spawnSync('/bin/sh', ['-c', script], {
      encoding: 'utf8',
      env: { ...env, TIMEOUT_SECONDS: '2', POLL_SECONDS: '1', HOME: dir, PATH: `${dir}:${process.env.PATH}`, FAKE_STATE: stateFile, FAKE_MODE: mode },
      timeout: 30_000,
    });
    const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    return { status: run.status, stdout: run.stdout, stderr: run.stderr, state, ms: Date.now() - t0 };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

for (const [script, { where, container }] of scripts) {
  const me = restored.metadata.name;
  const retention = Number(container.env.find(e => e.name === 'RETENTION').value);
  check(retention === 3, `${where}: RETENTION of the restored example is ${retention}, expected 3`);
  const day = d => `2026-11-${String(d).padStart(2, '0')}T03:00:00Z`;
  const seeded = () => [
    snapshot(`${me}-old-1`, me, day(1), true),
    snapshot(`${me}-old-2`, me, day(2), true),
    snapshot(`${me}-broken`, me, day(3), false), // never got ready: not counted, not deleted
    snapshot(`${me}-old-4`, me, day(4), true),
    snapshot(`${me}-old-5`, me, day(5), true),
    snapshot(`${me}-old-6`, me, day(6), true),
    snapshot('sbx-other-old-0', 'sbx-other', day(1), true), // another sandbox's: never touched
    snapshot('sbx-other-old-1', 'sbx-other', day(2), true),
  ];
  const names = state => state.snapshots.map(s => s.metadata.name).sort();

  // ready: the new snapshot plus the 2 newest older ones stay (3 ready), the rest oldest first goes
  const ok = runScript(script, container, 'ready', seeded());
  const made = ok.state.snapshots.find(s => !seeded().some(x => x.metadata.name === s.metadata.name));
  if (check(ok.status === 0, `${where}: the script failed with a snapshot that gets ready: ${ok.stderr}`) && check(made, `${where}: no snapshot created`)) {
    check(made.spec.source.persistentVolumeClaimName === `${me}-workspace`, `${where}: snapshot of ${made.spec.source.persistentVolumeClaimName}`);
    check(made.spec.volumeSnapshotClassName === 'portal-sandbox-snapshots', `${where}: snapshot class ${made.spec.volumeSnapshotClassName}`);
    check(new RegExp(`^${me}-\\d{8}-\\d{6}$`).test(made.metadata.name), `${where}: snapshot name ${made.metadata.name}`);
    const expected = [made.metadata.name, `${me}-old-5`, `${me}-old-6`, `${me}-broken`, 'sbx-other-old-0', 'sbx-other-old-1'].sort();
    check(JSON.stringify(names(ok.state)) === JSON.stringify(expected), `${where}: after retention ${names(ok.state).join(', ')}; expected ${expected.join(', ')}`);
    const deletes = ok.state.calls.filter(c => c.startsWith('delete'));
    check(
      JSON.stringify(deletes) === JSON.stringify(['old-4', 'old-2', 'old-1'].map(n => `delete volumesnapshot ${me}-${n} --wait=false`)),
      `${where}: deletes ${JSON.stringify(deletes)}`,
    );
    const ready = ok.state.snapshots.filter(s => s.metadata.labels['platform.portal.internal/snapshot-of'] === me && s.status.readyToUse);
    check(ready.length === retention, `${where}: ${ready.length} ready snapshots kept, expected exactly ${retention}`);
  }
  console.log(`   ready snapshot: exit ${ok.status}, ${ok.state.calls.filter(c => c.startsWith('delete')).length} deleted, ${ok.ms} ms`);

  for (const [mode, message] of [
    ['never', 'is not ready after 2 s; retention skipped'],
    ['error', 'failed: CSI driver: snapshot failed; retention skipped'],
  ]) {
    const run = runScript(script, container, mode, seeded());
    check(run.status !== 0, `${where}: a ${mode}-ready snapshot did not fail the Job`);
    check(run.stderr.includes(message), `${where}: ${mode}: stderr does not say '${message}': ${run.stderr}`);
    check(!run.state.calls.some(c => c.startsWith('delete')), `${where}: ${mode}: deleted ${run.state.calls.filter(c => c.startsWith('delete'))}`);
    check(run.state.snapshots.length === seeded().length + 1, `${where}: ${mode}: ${run.state.snapshots.length} snapshots left`);
    console.log(`   ${mode === 'never' ? 'never-ready' : 'failing'} snapshot: exit ${run.status}, nothing deleted, ${run.ms} ms`);
  }
}

if (failures.length) {
  for (const f of failures) console.error(`   ${f}`);
  console.error(`check-snapshot-job: ${failures.length} problem(s)`);
  process.exit(1);
}
console.log('   snapshot CronJob: rendered and run against a fake kubectl, all good');
