/**
 * Warm pools end to end on the REAL Docker engine (scripts/services/docker.sh docker_start) with the
 * images of scripts/build-images.sh. No engine = a loud failure, never a skip. Containers of this
 * suite carry a unique template name; the reconciler here only sees those (other suites share the
 * engine).
 */
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { ManualClock } from '../__testUtils__/harness';
import { DatabaseSandboxStore } from '../database/DatabaseSandboxStore';
import { DatabaseWorkspaceStore } from '../database/DatabaseWorkspaceStore';
import { DockerDriver } from '../drivers/docker/DockerDriver';
import { SANDBOX_LABELS, SandboxDriver } from '../drivers/types';
import { Reconciler } from '../service/Reconciler';
import { SandboxService } from '../service/SandboxService';
import { WorkspaceService } from '../service/WorkspaceService';
import { DatabaseWarmPoolStore } from './DatabaseWarmPoolStore';
import { WarmPoolMetrics } from './metrics';
import { WarmPoolService } from './WarmPoolService';

jest.setTimeout(240_000);

const BASE_IMAGE = 'portal-sandbox/base:latest';
const USER = 'user:default/ada';
const TEMPLATE = `wpe2e${Date.now().toString(36)}`;
const socketPath =
  process.env.PORTAL_DOCKER_SOCKET ||
  (process.env.DOCKER_HOST?.startsWith('unix://') ? process.env.DOCKER_HOST.slice(7) : '') ||
  '/var/run/docker.sock';
const databases = TestDatabases.create({ ids: ['SQLITE_3'], disableDocker: true });
const pool = { template: TEMPLATE, min: 2, max: 2, refillPerMinute: 10, size: 'small' };
const request = {
  name: 'warm', workspace: 'team-a', template: TEMPLATE, size: 'small', env: {}, network: false,
  ttlSeconds: null, idleTimeoutSeconds: null, labels: { team: 'a' },
};

let driver: DockerDriver;
let scoped: SandboxDriver;
let service: SandboxService;
let warm: WarmPoolService;
let poolStore: DatabaseWarmPoolStore;
let reconciler: Reconciler;
let clock: ManualClock;
let repoDir: string;

/** Only this suite's containers (by template label), so the reconciler leaves other suites alone. */
function scopedDriver(inner: DockerDriver): SandboxDriver {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'list') {
        return async () => (await target.list()).filter(i => i.labels[SANDBOX_LABELS.template] === TEMPLATE);
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const ours = async () => scoped.list();

beforeAll(async () => {
  driver = new DockerDriver({ socketPath, gitAllowedProtocols: ['file'] });
  try {
    await driver.healthCheck();
  } catch (e) {
    throw new Error(
      `Docker engine not reachable: run \`source scripts/env.sh && source scripts/services/docker.sh && docker_start\` (${(e as Error).message})`,
    );
  }
  if (!(await driver.client.inspectImage(BASE_IMAGE))) throw new Error(`image ${BASE_IMAGE} is missing: run scripts/build-images.sh`);
  scoped = scopedDriver(driver);
  const knex = await databases.init('SQLITE_3');
  const store = await DatabaseSandboxStore.create({ database: mockServices.database({ knex, migrations: { skip: false } }) });
  const workspaceStore = new DatabaseWorkspaceStore(knex);
  clock = new ManualClock(new Date());
  const logger = mockServices.logger.mock();
  await new WorkspaceService({ store: workspaceStore, clock, logger, admins: [] }).bootstrap([
    { name: 'team-a', plan: 'enterprise', members: [{ ref: USER, role: 'owner' }] } as any,
  ]);
  const templates = { [TEMPLATE]: { image: BASE_IMAGE } };
  poolStore = new DatabaseWarmPoolStore(knex);
  warm = new WarmPoolService({
    pools: [pool], templates, store: poolStore, sandboxes: store, driver: scoped, clock, logger,
    metrics: new WarmPoolMetrics(new Registry()),
  });
  service = new SandboxService({
    store, driver: scoped, clock, logger, templates, appBaseUrl: 'http://portal.test',
    quotaLimits: async ws => (await workspaceStore.getQuota(ws)).limits, warmPool: warm,
  });
  reconciler = new Reconciler({ store, driver: scoped, service, clock, logger, staleAfterSeconds: 120, ownsRuntime: i => warm.ownsRuntime(i) });
  repoDir = mkdtempSync(path.join(os.tmpdir(), 'wp-repo-'));
  const git = (...args: string[]) => execFileSync('git', ['-C', repoDir, '-c', 'user.name=t', '-c', 'user.email=t@e', ...args]);
  git('init', '-q', '-b', 'main');
  writeFileSync(path.join(repoDir, 'README.md'), 'hello from the repo\n');
  git('add', '.');
  git('commit', '-qm', 'init');
});

afterAll(async () => {
  await service?.idle();
  if (scoped) for (const instance of await ours()) await driver.remove(instance.externalId);
  if (repoDir) rmSync(repoDir, { recursive: true, force: true });
});

describe('warm pools on the Docker engine', () => {
  it('hands out started containers, clones after the claim, survives crashes and leaves nothing behind', async () => {
    let t0 = performance.now();
    const filled = await warm.refill();
    const fillMs = performance.now() - t0;
    expect(filled.created).toHaveLength(2);
    const members = await poolStore.list(TEMPLATE);
    for (const m of members) {
      const inspected = await driver.client.inspectContainer(m.externalId!);
      expect(inspected?.State.Running).toBe(true);
      expect(inspected?.Config.Labels).toMatchObject({ 'portal.sandbox/pool': TEMPLATE, 'portal.sandbox/id': m.id, 'portal.sandbox/workspace': '' });
    }

    // claim: running at once, the first command runs in the pooled container
    t0 = performance.now();
    const s = await service.create(request, USER);
    const claimMs = performance.now() - t0;
    expect(s).toMatchObject({ state: 'running', externalId: members[0].externalId });
    const out = await service.exec(s.id, { command: ['sh', '-c', 'id -u; hostname'], timeoutSeconds: 10 });
    const firstExecMs = performance.now() - t0;
    expect(out.stdout.split('\n')[0]).toBe('1000');

    // with a repo: the clone goes into the running member
    const r = await service.create({ ...request, name: 'warm-repo', repo: { url: `file://${repoDir}` } }, USER);
    expect(r.state).toBe('provisioning');
    const ready = await service.waitFor(r.id, ['running', 'failed'], 60_000, 50);
    expect(ready).toMatchObject({ state: 'running', externalId: members[1].externalId });
    expect((await service.exec(r.id, { command: ['cat', '/workspace/README.md'], timeoutSeconds: 10 })).stdout).toBe('hello from the repo\n');

    // empty pool: cold create
    const cold = await service.create({ ...request, name: 'cold' }, USER);
    expect(cold.state).toBe('pending');
    expect((await service.waitFor(cold.id, ['running', 'failed'], 60_000, 50)).externalId).toBe(`portal-sbx-${cold.id}`);

    // crash during a refill: a member made but never marked ready, and one nobody recorded
    const specKey = (warm as any).pools.get(TEMPLATE).specKey;
    await poolStore.insertCreating({ id: `wp${Date.now().toString(16)}`, template: TEMPLATE, specKey, createdAt: clock.now() });
    const [half] = (await poolStore.list(TEMPLATE)).filter(m => m.state === 'creating');
    await driver.create(warm.memberSpec(pool, half.id));
    const ghostId = `wpghost${Date.now().toString(16)}`;
    await driver.create(warm.memberSpec(pool, ghostId));
    const reconciled = await reconciler.reconcile();
    expect(reconciled.orphansRemoved).toEqual([`portal-sbx-${ghostId}`]);
    expect(reconciled.lost).toEqual([]); // claimed sandboxes are found by their handle
    clock.advance(5 * 60_000);
    const recovered = await warm.refill();
    expect(recovered.adopted).toEqual([half.id]);
    expect(recovered.created).toHaveLength(1);

    // the reconciler keeps pool members and claimed containers
    expect((await reconciler.reconcile()).orphansRemoved).toEqual([]);
    const containers = (await ours()).map(i => i.externalId).sort();
    const members2 = (await poolStore.list(TEMPLATE)).filter(m => m.state !== 'claimed').map(m => m.externalId!);
    expect(containers).toEqual([...members2, s.externalId!, ready.externalId!, `portal-sbx-${cold.id}`].sort());

    // eslint-disable-next-line no-console
    console.log(
      `warm pool on Docker: fill of 2 ${fillMs.toFixed(0)} ms, claim ${claimMs.toFixed(1)} ms, claim + first exec ${firstExecMs.toFixed(1)} ms`,
    );

    for (const id of [s.id, r.id, cold.id]) await service.delete(id);
    await service.idle();
    const unclaimed = (await poolStore.list(TEMPLATE)).filter(m => m.state !== 'claimed').map(m => m.id);
    expect(unclaimed).toHaveLength(2);
    expect((await warm.drain(TEMPLATE)).sort()).toEqual(unclaimed.sort());
    expect(await ours()).toEqual([]);
    const volumes = await driver.client.call<{ Volumes: Array<{ Name: string }> | null }>('GET', '/volumes', { what: 'listing volumes' });
    const names = new Set(containers);
    expect((volumes.Volumes ?? []).filter(v => names.has(v.Name.replace(/-workspace$/, '')))).toEqual([]);
  });
});
