import { mockCredentials, mockServices, startTestBackend } from '@backstage/backend-test-utils';
import billingBackend from '@internal/plugin-billing-backend';
import sandboxBackend from '@internal/plugin-sandbox-backend';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';

/**
 * Must-show test of the billing issue: real sandboxes on the real Docker engine, driven through
 * start / stop across the October -> November month boundary with an injected clock (only `Date` is
 * faked; timers, I/O and the engine run for real), with the sandbox and billing backends in one
 * test backend on SQLite files, restarted between usage close and ingestion and again before a
 * second ingestion; then the invoices to the minor unit, team allocation, and budget enforcement.
 *
 * Needs the engine (scripts/services/docker.sh) and the images of scripts/build-images.sh.
 * No engine = a loud failure, never a skip.
 */

jest.setTimeout(600_000);

const socketPath =
  process.env.PORTAL_DOCKER_SOCKET ||
  (process.env.DOCKER_HOST?.startsWith('unix://') ? process.env.DOCKER_HOST.slice(7) : '') ||
  '/var/run/docker.sock';

const ROOT = 'user:default/root';
const auth = mockCredentials.user.header(ROOT);

/**
 * Billing's `team` plan with round test prices and no allowances, so each line is hand-computable:
 * 2900 base fee per month, 7 per vCPU-hour, 3 per GiB-hour of memory, 1460 per GiB-month of disk
 * (a GiB-month is 730 h, so 2 per GiB-hour). Every workspace is on it (billing.defaultPlan).
 */
const TEAM_PLAN = {
  baseFeeMinor: 2900,
  vcpuHourMinor: 7,
  memoryGiBHourMinor: 3,
  diskGiBMonthMinor: 1460,
  includedVcpuHours: 0,
  includedMemoryGiBHours: 0,
  includedDiskGiBMonths: 0,
  blockAtBudget: true,
};

const at = (iso: string) => jest.setSystemTime(new Date(iso));

/** Only `Date` is fake: the clock both plugins read (their systemClock) moves only when we say. */
function fakeOnlyDate() {
  jest.useFakeTimers({
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'requestAnimationFrame',
      'cancelAnimationFrame',
      'requestIdleCallback',
      'cancelIdleCallback',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** Removes a container of ours the test may have left behind (only `portal-sbx-<our id>`). */
function removeContainer(name: string): Promise<void> {
  return new Promise(resolve => {
    const req = http.request({ socketPath, method: 'DELETE', path: `/containers/${name}?force=true&v=true` }, res => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', () => resolve());
    req.end();
  });
}

describe('billing across a month boundary with real sandboxes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'billing-integration-'));
  const ours: string[] = [];
  let backend: Awaited<ReturnType<typeof startTestBackend>> | undefined;

  /** Sandbox + billing backends on SQLite files in `dir` (kept across restarts). */
  async function start() {
    backend = await startTestBackend({
      features: [
        sandboxBackend,
        billingBackend,
        // no scheduled task runs by itself: the reconciler (it would reap other suites' containers
        // as orphans), ingestion and invoicing are driven by the test through the REST API
        mockServices.scheduler.factory({ skipTaskRunOnStartup: true }),
        mockServices.rootConfig.factory({
          data: {
            app: { baseUrl: 'http://portal.test' },
            backend: {
              baseUrl: 'http://localhost:7007',
              database: { client: 'better-sqlite3', connection: { directory: dir } },
            },
            sandbox: {
              driver: 'docker',
              docker: { socketPath },
              admins: [ROOT],
              reconciler: { schedule: { frequency: { hours: 24 }, timeout: { minutes: 1 }, initialDelay: { hours: 24 } } },
              workspaces: [
                {
                  name: 'team-a',
                  plan: 'team',
                  backingGroup: 'group:default/team-a',
                  members: [{ ref: ROOT, role: 'owner' }],
                },
              ],
            },
            billing: {
              defaultPlan: 'team',
              plans: { team: TEAM_PLAN },
              sharedPlatformCostMinor: 1000,
              ingestion: { pageSize: 2, rereadWindow: 0 },
            },
          },
        }),
      ],
    });
    return backend.server;
  }

  async function stop() {
    await backend?.stop();
    backend = undefined;
  }

  async function restart() {
    await stop();
    return start();
  }

  /** Polls the sandbox (real time) until it is in `state`. */
  async function waitFor(server: http.Server, id: string, state: string) {
    let last = '';
    for (let i = 0; i < 600; i++) {
      const res = await request(server).get(`/api/sandbox/sandboxes/${id}`).set('Authorization', auth);
      last = res.body.state ?? `${res.status}`;
      if (last === state) return res.body;
      if (last === 'failed') throw new Error(`sandbox ${id} failed: ${JSON.stringify(res.body.transitions?.slice(-1))}`);
      await sleep(250);
    }
    throw new Error(`sandbox ${id} did not reach ${state} (last: ${last})`);
  }

  const ingest = async (server: http.Server) =>
    (await request(server).post('/api/billing/ingest').set('Authorization', auth).expect(200)).body;
  const generate = async (server: http.Server, period: string) =>
    (await request(server).post('/api/billing/invoices/generate').set('Authorization', auth).send({ period }).expect(200)).body.items;

  beforeAll(() => fakeOnlyDate());

  afterAll(async () => {
    await stop();
    jest.useRealTimers();
    for (const id of ours) await removeContainer(`portal-sbx-${id}`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('invoices October and November to the minor unit, allocates by team, then blocks at budget', async () => {
    // --- 31 Oct 23:00: create; the compute interval opens when it is running (clock still 23:00)
    at('2026-10-31T23:00:00.000Z');
    let server = await start();
    const created = await request(server)
      .post('/api/sandbox/sandboxes')
      .set('Authorization', auth)
      .send({ name: 'metered', workspace: 'team-a', template: 'base', size: 'small', labels: { 'cost-center': 'cc-42' } })
      .expect(201);
    const id: string = created.body.id;
    ours.push(id);
    await waitFor(server, id, 'running');

    // --- 1 Nov 01:30: stop (closes compute 23:00-01:30, split at midnight; opens storage)
    at('2026-11-01T01:30:00.000Z');
    await request(server).post(`/api/sandbox/sandboxes/${id}/stop`).set('Authorization', auth).expect(202);
    await waitFor(server, id, 'stopped');

    // restart between usage close and ingestion: the closed records are still there, once
    server = await restart();
    const first = await ingest(server);
    expect(first).toMatchObject({ inserted: 2 }); // Oct 23:00-24:00 and Nov 00:00-01:30 compute

    // --- 05:00 start (closes storage 01:30-05:00), 06:00 delete (closes compute 05:00-06:00)
    at('2026-11-01T05:00:00.000Z');
    await request(server).post(`/api/sandbox/sandboxes/${id}/start`).set('Authorization', auth).expect(202);
    await waitFor(server, id, 'running');
    at('2026-11-01T06:00:00.000Z');
    await request(server).delete(`/api/sandbox/sandboxes/${id}`).set('Authorization', auth).expect(202);
    await waitFor(server, id, 'deleted');

    server = await restart();
    const second = await ingest(server);
    expect(second).toMatchObject({ inserted: 2 }); // storage 01:30-05:00, compute 05:00-06:00

    // restart again before another ingestion: nothing new, nothing double-counted
    server = await restart();
    const third = await ingest(server);
    expect(third).toMatchObject({ inserted: 0, cursor: second.cursor });

    // the ledger as billing sees it: four closed intervals of a small sandbox (0.5 vCPU, 512 MiB, 5 GiB)
    const ledger = await request(server).get('/api/sandbox/usage?workspace=team-a').set('Authorization', auth).expect(200);
    expect(ledger.body.items.map((r: any) => [r.kind, r.startedAt, r.endedAt])).toEqual([
      ['compute', '2026-10-31T23:00:00.000Z', '2026-11-01T00:00:00.000Z'],
      ['compute', '2026-11-01T00:00:00.000Z', '2026-11-01T01:30:00.000Z'],
      ['storage', '2026-11-01T01:30:00.000Z', '2026-11-01T05:00:00.000Z'],
      ['compute', '2026-11-01T05:00:00.000Z', '2026-11-01T06:00:00.000Z'],
    ]);

    // --- invoices
    const [october] = await generate(server, '2026-10');
    const [november] = await generate(server, '2026-11');
    const amounts = (inv: any) => Object.fromEntries(inv.lines.map((l: any) => [l.type, l.amountMinor]));
    // October: 1 h running (23:00-24:00)
    //   base fee        full month on the team plan            = 2900
    //   vCPU            0.5 vCPU x 1 h = 0.5 vCPU-h x 7         = 3.5  -> 4 (half-up)
    //   memory          0.5 GiB x 1 h = 0.5 GiB-h x 3           = 1.5  -> 2
    //   disk            5 GiB x 1 h = 5 GiB-h x 2 (1460/730)    = 10
    //   total                                                   = 2916
    expect(october).toMatchObject({ id: 'inv_team-a_2026-10', currency: 'EUR', subtotalMinor: 2916, creditMinor: 0, totalMinor: 2916 });
    expect(amounts(october)).toEqual({ base_fee: 2900, compute_vcpu: 4, compute_memory: 2, storage_disk: 10 });
    // November: running 00:00-01:30 and 05:00-06:00 = 2.5 h; stopped 01:30-05:00 = 3.5 h (disk only)
    //   base fee                                                = 2900
    //   vCPU            0.5 x 2.5 h = 1.25 vCPU-h x 7            = 8.75 -> 9
    //   memory          0.5 GiB x 2.5 h = 1.25 GiB-h x 3         = 3.75 -> 4
    //   disk            5 GiB x (1.5 + 3.5 + 1) h = 30 GiB-h x 2 = 60
    //   total                                                   = 2973
    expect(november).toMatchObject({ id: 'inv_team-a_2026-11', subtotalMinor: 2973, totalMinor: 2973 });
    expect(amounts(november)).toEqual({ base_fee: 2900, compute_vcpu: 9, compute_memory: 4, storage_disk: 60 });
    expect(november.lines.find((l: any) => l.type === 'compute_vcpu')).toMatchObject({ quantity: '1.2500', unitPriceMinor: 7 });
    expect(november.lines.find((l: any) => l.type === 'storage_disk').quantity).toBe('0.0411'); // 30 GiB-h / 730

    // regenerating gives the identical invoices
    expect(await generate(server, '2026-10')).toEqual([october]);
    expect(await generate(server, '2026-11')).toEqual([november]);

    // --- allocation by team (the workspace's backing catalog group), JSON and CSV
    // direct = list-price cost without base fee or allowances: 8.75 + 3.75 + 60 = 72.5 -> 73;
    // the whole shared platform cost (1000) goes to the only team
    const team = await request(server).get('/api/billing/allocation?period=2026-11&by=team').set('Authorization', auth).expect(200);
    expect(team.body).toEqual({
      period: '2026-11',
      dimension: 'team',
      currency: 'EUR',
      sharedPlatformMinor: 1000,
      rows: [{ key: 'group:default/team-a', directMinor: 73, sharedMinor: 1000, totalMinor: 1073 }],
    });
    const csv = await request(server).get('/api/billing/allocation.csv?period=2026-10&by=team').set('Authorization', auth).expect(200);
    // October direct: 3.5 + 1.5 + 10 = 15
    expect(csv.text).toBe('period,team,currency,direct_minor,shared_minor,total_minor\n2026-10,group:default/team-a,EUR,15,1000,1015\n');
    const byCc = await request(server).get('/api/billing/allocation?period=2026-11&by=costCenter').set('Authorization', auth).expect(200);
    expect(byCc.body.rows).toEqual([{ key: 'cc-42', directMinor: 73, sharedMinor: 1000, totalMinor: 1073 }]);

    // --- budget: November so far is 2973; a budget of 2000 blocks new sandboxes (team plan blocks at 100 %)
    await request(server).put('/api/sandbox/workspaces/team-a/quota').set('Authorization', auth).send({ monthlyBudgetMinor: 2000 }).expect(200);
    const budget = await request(server).get('/api/billing/workspaces/team-a/budget').set('Authorization', auth).expect(200);
    expect(budget.body).toMatchObject({ period: '2026-11', usedMinor: 2973, budgetMinor: 2000, blocked: true, source: 'sandbox-quota' });
    const refused = await request(server)
      .post('/api/sandbox/sandboxes')
      .set('Authorization', auth)
      .send({ name: 'over-budget', workspace: 'team-a', template: 'base' })
      .expect(409);
    expect(refused.body.error).toMatchObject({
      name: 'ConflictError',
      message: "Budget exhausted in workspace 'team-a': 2973 of 2000 minor units used in 2026-11; its plan blocks new sandboxes at 100 %",
    });
    // no sandbox row in any state: none listed, and the only deleted one is the first sandbox
    const live = await request(server).get('/api/sandbox/sandboxes?workspace=team-a').set('Authorization', auth).expect(200);
    expect(live.body.items).toEqual([]);
    const deleted = await request(server).get('/api/sandbox/sandboxes?workspace=team-a&state=deleted').set('Authorization', auth).expect(200);
    expect(deleted.body.items.map((s: any) => s.id)).toEqual([id]);
    // exactly one audit entry for the refusal, outcome denied
    const audit = await request(server).get('/api/sandbox/audit?outcome=denied&limit=50').set('Authorization', auth).expect(200);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0]).toMatchObject({
      actor: ROOT,
      action: 'sandbox.create',
      targetId: 'over-budget',
      workspace: 'team-a',
      outcome: 'denied',
      message: expect.stringContaining("Budget exhausted in workspace 'team-a'"),
    });
  });
});
