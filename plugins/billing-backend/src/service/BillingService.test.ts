import { mockServices } from '@backstage/backend-test-utils';
import { DEFAULT_PLANS, Plan } from '@internal/plugin-billing-common';
import { Registry } from 'prom-client';
import { createTestDatabases } from '../__testUtils__/databases';
import { ledgerRecord, startFakeSandbox } from '../__testUtils__/fakeSandbox';
import { DatabaseBillingStore } from '../database/DatabaseBillingStore';
import { LedgerRecord } from '../database/BillingStore';
import { allocationCsv, BillingService } from './BillingService';
import { BillingMetrics } from './metrics';
import { ManualInvoiceProvider } from './payments';
import { SandboxClient } from './SandboxClient';
import { LEDGER_CURSOR, UsageIngester } from './UsageIngester';

jest.setTimeout(60_000);

const databases = createTestDatabases();

/** Test plans with round numbers, so the expected invoices can be computed by hand. */
const PLANS: Plan[] = [
  { ...DEFAULT_PLANS.free },
  {
    ...DEFAULT_PLANS.team,
    baseFeeMinor: 3000,
    vcpuHourMinor: 7,
    memoryGiBHourMinor: 3,
    diskGiBMonthMinor: 11,
    includedVcpuHours: 10,
    includedMemoryGiBHours: 20,
    includedDiskGiBMonths: 0,
  },
  {
    ...DEFAULT_PLANS.enterprise,
    baseFeeMinor: 10000,
    vcpuHourMinor: 5,
    memoryGiBHourMinor: 2,
    diskGiBMonthMinor: 9,
    includedVcpuHours: 4,
    includedMemoryGiBHours: 20,
    includedDiskGiBMonths: 0,
  },
];

/**
 * One sandbox running 2026-10-31 20:00 -> 2026-11-01 04:00 (the ledger splits it at the month
 * boundary), another running 10.5 h on Nov 10 and then stopped (storage) for 480 h.
 */
function ledger(): LedgerRecord[] {
  const big = { vcpus: 4, memoryMiB: 8192, diskGiB: 20, sandboxId: 'sb-big', sandboxName: 'big', template: 'gpu', costCenter: 'cc-1' };
  return [
    ledgerRecord('2026-10-31T20:00:00.000Z', '2026-11-01T00:00:00.000Z', { id: 1, key: 'sb-big:1:0', ...big }),
    ledgerRecord('2026-11-01T00:00:00.000Z', '2026-11-01T04:00:00.000Z', { id: 2, key: 'sb-big:1:1', ...big }),
    ledgerRecord('2026-11-10T00:00:00.000Z', '2026-11-10T10:30:00.000Z', { id: 3, key: 'sb-1:1:0' }),
    ledgerRecord('2026-11-10T10:30:00.000Z', '2026-11-30T10:30:00.000Z', { id: 4, key: 'sb-1:2:0', kind: 'storage' }),
    ledgerRecord('2026-11-12T00:00:00.000Z', '2026-11-12T01:00:00.000Z', {
      id: 5,
      key: 'sb-2:1:0',
      workspace: 'team-b',
      sandboxId: 'sb-2',
      sandboxName: 'other',
      vcpus: 1,
      memoryMiB: 1024,
      diskGiB: 0,
    }),
  ];
}

describe.each(databases.eachSupportedId())('billing (%s)', databaseId => {
  let knex: Awaited<ReturnType<typeof databases.init>>;
  let store: DatabaseBillingStore;
  let now: Date;
  const clock = { now: () => now };
  const logger = mockServices.logger.mock();
  let fake: Awaited<ReturnType<typeof startFakeSandbox>>;

  const newService = (extra: Partial<ConstructorParameters<typeof BillingService>[0]> = {}) =>
    new BillingService({ store, clock, logger, provider: new ManualInvoiceProvider(logger), ...extra });
  const sandboxClient = () =>
    new SandboxClient({ discovery: { getBaseUrl: async () => fake.baseUrl, getExternalBaseUrl: async () => fake.baseUrl }, auth: mockServices.auth() });
  const newIngester = (pageSize = 2, rereadWindow = 0, source = sandboxClient()) =>
    new UsageIngester({ store, source, logger, pageSize, rereadWindow, metrics: new BillingMetrics(new Registry()) });

  beforeAll(async () => {
    knex = await databases.init(databaseId);
    store = await DatabaseBillingStore.create({ database: mockServices.database({ knex, migrations: { skip: false } }) });
  });

  beforeEach(async () => {
    now = new Date('2026-12-01T09:00:00.000Z');
    fake = await startFakeSandbox(ledger(), { 'team-a': 5000 });
    await newService().init(PLANS);
    await store.setSubscription('team-a', { plan: 'team', status: 'active', at: Date.parse('2026-09-01T00:00:00Z') });
  });

  afterEach(async () => {
    await fake.close();
    for (const t of ['billing_webhook_events', 'billing_credits', 'billing_invoices', 'billing_usage_totals', 'billing_usage', 'billing_cursors', 'billing_subscription_history', 'billing_subscriptions', 'billing_plans']) {
      await knex(t).delete();
    }
  });

  it('ingests through the HTTP API and rates an invoice to the cent across a month boundary', async () => {
    const result = await newIngester().run();
    expect(result).toEqual({ inserted: 5, pages: 3, cursor: 5 });
    expect(fake.requests[0]).toBe('/api/sandbox/usage?limit=2');

    const service = newService();
    await service.reloadPlans();
    const nov = await service.generateInvoice('team-a', '2026-11');
    // vCPU: 4x4 h + 2x10.5 h = 37 vCPU-h - 10 included = 27 x 7 = 189
    // memory: 8x4 + 4x10.5 = 74 GiB-h - 20 = 54 x 3 = 162
    // disk: 20x4 + 10x10.5 + 10x480 = 4985 GiB-h = 6.8288 GiB-months x 11 = 75.116 -> 75
    expect(nov.lines.map(l => [l.type, l.quantity, l.amountMinor])).toEqual([
      ['base_fee', '1.0000', 3000],
      ['compute_vcpu', '27.0000', 189],
      ['compute_memory', '54.0000', 162],
      ['storage_disk', '6.8288', 75],
    ]);
    expect(nov).toMatchObject({ id: 'inv_team-a_2026-11', status: 'draft', currency: 'EUR', subtotalMinor: 3426, creditMinor: 0, totalMinor: 3426 });

    const oct = await service.generateInvoice('team-a', '2026-10');
    // vCPU 16 - 10 = 6 x 7 = 42; memory 32 - 20 = 12 x 3 = 36; disk 80 GiB-h = 0.1096 GiB-months x 11 = 1.2 -> 1
    expect(oct.totalMinor).toBe(3000 + 42 + 36 + 1);
    expect(await service.generatePeriod('2026-11')).toHaveLength(2);
  });

  it('ingests a batch with some duplicates (by id or by key) exactly once, nulls and bigints intact', async () => {
    const records = ledger();
    expect(await store.ingest(records.slice(0, 2), { name: 'test', value: 2 })).toBe(2);
    // one new, one repeated id, one new id re-using an ingested key: only the new one counts
    const batch = [records[2], records[1], { ...records[0], id: 99 }];
    expect(await store.ingest(batch, { name: 'test', value: 99 })).toBe(1);
    expect(await store.getCursor('test')).toBe(99);
    const rows = await knex('billing_usage').orderBy('ledger_id');
    expect(rows.map(r => Number(r.ledger_id))).toEqual([1, 2, 3]);
    expect(rows[0]).toMatchObject({ cost_center: 'cc-1', kind: 'compute', period: '2026-10' });
    expect(rows[2].cost_center).toBeNull();
    // 4 vCPU x 4 h in milli-vCPU x ms: exact beyond 2^31
    expect(String(rows[1].vcpu_mms)).toBe(String(4000n * 4n * 3_600_000n));
    const totals = await store.usageTotalsByWorkspace('2026-11', Date.parse('2026-11-01T00:00:00Z'), Date.parse('2026-12-01T00:00:00Z'));
    // November: sb-big 4 h x 4 vCPU + sb-1 10.5 h x 2 vCPU, once each
    expect(totals.get('team-a')!.vcpuMms).toBe(4000n * 4n * 3_600_000n + 2000n * 37_800_000n);
  });

  it('continues after a restart between pages: nothing lost, nothing doubled', async () => {
    const first = await newIngester().run({ maxPages: 1 });
    expect(first).toEqual({ inserted: 2, pages: 1, cursor: 2 });
    // a crash on the next page commits nothing for it
    const failing = { read: jest.fn().mockRejectedValue(new Error('connection reset')) };
    await expect(newIngester(2, 0, failing as any).run()).rejects.toThrow('connection reset');
    expect(failing.read).toHaveBeenCalledWith(2, 2);

    const second = await newIngester().run(); // a new instance on the same DB
    expect(second).toEqual({ inserted: 3, pages: 2, cursor: 5 });
    // a re-read window re-reads ledger rows already ingested: all ignored
    const third = await newIngester(1000, 1000).run();
    expect(third.inserted).toBe(0);
    const [{ n }] = await knex('billing_usage').count({ n: '*' });
    expect(Number(n)).toBe(5);

    // a late commit with a smaller id than the cursor is picked up by the window
    fake.records.push(ledgerRecord('2026-11-20T00:00:00Z', '2026-11-20T01:00:00Z', { id: 6, key: 'late:6' }));
    fake.records.push(ledgerRecord('2026-11-21T00:00:00Z', '2026-11-21T01:00:00Z', { id: 7, key: 'late:7' }));
    expect((await newIngester(1000, 0).run()).inserted).toBe(2);

    // the totals maintained at ingestion equal the sums of the raw rows
    const raw = await knex('billing_usage')
      .select('period', 'workspace', knex.raw('CAST(SUM(vcpu_mms) AS TEXT) AS v, CAST(SUM(disk_gib_ms) AS TEXT) AS d, COUNT(*) AS n'))
      .groupBy('period', 'workspace')
      .orderBy(['period', 'workspace']);
    const rolled = await knex('billing_usage_totals').select('*').orderBy(['period', 'workspace']);
    expect(rolled.map(r => [r.period, r.workspace, String(r.vcpu_mms), String(r.disk_gib_ms), Number(r.records)])).toEqual(
      raw.map(r => [r.period, r.workspace, String(r.v), String(r.d), Number(r.n)]),
    );
  });

  it('gathers pages into batches: one transaction per batch, a failure inside a batch commits none of it', async () => {
    const client = sandboxClient();
    let reads = 0;
    // pages of 1 record; the 4th read fails: batch 1 (ids 1-2) is committed, batch 2 (id 3) is not
    const flaky = {
      read: (after: number, limit: number) => {
        reads++;
        if (reads === 4) return Promise.reject(new Error('connection reset'));
        return client.read(after, limit);
      },
    };
    const ingest = jest.spyOn(store, 'ingest');
    const batched = (source: typeof flaky) =>
      new UsageIngester({ store, source, logger, pageSize: 1, batchSize: 2, rereadWindow: 0 });
    await expect(batched(flaky).run()).rejects.toThrow('connection reset');
    expect(ingest).toHaveBeenCalledTimes(1);
    expect(ingest.mock.calls[0][0].map(r => r.id)).toEqual([1, 2]);
    expect(await store.getCursor(LEDGER_CURSOR)).toBe(2);

    ingest.mockClear();
    // restart: continues after id 2; 3 records left -> batches of 2 and 1 (the last page ends a batch)
    expect(await batched(client).run()).toEqual({ inserted: 3, pages: 4, cursor: 5 });
    expect(ingest.mock.calls.map(c => c[0].map(r => r.id))).toEqual([[3, 4], [5]]);
    const [{ n }] = await knex('billing_usage').count({ n: '*' });
    expect(Number(n)).toBe(5);
    ingest.mockRestore();
  });

  it('commits what it gathered when stopped by maxPages', async () => {
    const ingester = new UsageIngester({ store, source: sandboxClient(), logger, pageSize: 1, batchSize: 10, rereadWindow: 0 });
    expect(await ingester.run({ maxPages: 3 })).toEqual({ inserted: 3, pages: 3, cursor: 3 });
  });

  it('re-running a period gives the byte-identical invoice', async () => {
    await newIngester().run();
    const service = newService();
    await service.reloadPlans();
    const a = JSON.stringify(await service.generateInvoice('team-a', '2026-11'));
    await newIngester(1000, 1000).run(); // re-ingest (no-op)
    const b = JSON.stringify(await service.generateInvoice('team-a', '2026-11'));
    const c = JSON.stringify(await newService().reloadPlans().then(() => service.rate('team-a', '2026-11')));
    expect(b).toBe(a);
    expect(c).toBe(JSON.stringify({ ...JSON.parse(a) }));
  });

  it('prorates base fee and allowances by time on a plan change', async () => {
    await knex('billing_subscription_history').delete();
    const service = newService();
    await service.reloadPlans();
    now = new Date('2026-11-01T00:00:00.000Z');
    await service.changeSubscription('team-p', { plan: 'team' });
    now = new Date('2026-11-16T00:00:00.000Z'); // exactly half of November
    await service.changeSubscription('team-p', { plan: 'enterprise' });
    await store.ingest(
      [
        ledgerRecord('2026-11-10T00:00:00Z', '2026-11-10T01:00:00Z', { id: 101, key: 'p1', workspace: 'team-p', vcpus: 10, memoryMiB: 1024, diskGiB: 0 }),
        ledgerRecord('2026-11-20T00:00:00Z', '2026-11-20T01:00:00Z', { id: 102, key: 'p2', workspace: 'team-p', vcpus: 10, memoryMiB: 1024, diskGiB: 0 }),
      ],
      { name: 'other', value: 102 },
    );
    const inv = await service.rate('team-p', '2026-11');
    // team half: 3000/2 = 1500; 10 vCPU-h - 5 included = 5 x 7 = 35; memory 1 GiB-h < 10 included = 0
    // enterprise half: 10000/2 = 5000; 10 vCPU-h - 2 included = 8 x 5 = 40; memory 0
    expect(inv.lines.map(l => [l.plan, l.type, l.quantity, l.amountMinor])).toEqual([
      ['team', 'base_fee', '0.5000', 1500],
      ['team', 'compute_vcpu', '5.0000', 35],
      ['team', 'compute_memory', '0.0000', 0],
      ['enterprise', 'base_fee', '0.5000', 5000],
      ['enterprise', 'compute_vcpu', '8.0000', 40],
      ['enterprise', 'compute_memory', '0.0000', 0],
    ]);
    expect(inv.totalMinor).toBe(6575);
    expect(inv.lines[0].description).toContain('2026-11-01T00:00:00.000Z - 2026-11-16T00:00:00.000Z');

    // trial waives the base fee; canceled stops it
    now = new Date('2026-11-01T00:00:00.000Z');
    const trial = await service.changeSubscription('team-t', { plan: 'team', status: 'trial' });
    expect(trial.trialEndsAt).toBe('2026-11-15T00:00:00.000Z');
    expect((await service.rate('team-t', '2026-11')).totalMinor).toBe(0);
    now = new Date('2026-11-16T00:00:00.000Z');
    await service.changeSubscription('team-t', { status: 'active' });
    now = new Date('2026-11-21T00:00:00.000Z');
    await service.changeSubscription('team-t', { status: 'canceled' });
    expect((await service.rate('team-t', '2026-11')).totalMinor).toBe(500); // 5 of 30 days x 3000
    expect((await service.changeSubscription('team-t', {})).status).toBe('active');
    await expect(service.changeSubscription('team-t', { plan: 'nope' as any })).rejects.toThrow("unknown plan 'nope'");
    expect(await service.getSubscription('never')).toMatchObject({ plan: 'free', status: 'active' });
  });

  it('finalizes, pays and voids with compare-and-set; applies credits once', async () => {
    await newIngester().run();
    const service = newService();
    await service.reloadPlans();
    now = new Date('2026-11-15T00:00:00.000Z');
    await service.grantCredit('team-a', 4000, 'goodwill');
    now = new Date('2026-12-01T09:00:00.000Z');
    expect((await service.listCredits('team-a'))[0]).toMatchObject({ amountMinor: 4000, reason: 'goodwill' });

    const oct = await service.generateInvoice('team-a', '2026-10');
    expect(oct.creditMinor).toBe(0); // granted after October ended
    const nov = await service.generateInvoice('team-a', '2026-11');
    expect(nov).toMatchObject({ subtotalMinor: 3426, creditMinor: 3426, totalMinor: 0 });
    expect(nov.lines[nov.lines.length - 1]).toMatchObject({ type: 'credit', amountMinor: -3426 });

    const fin = await service.finalize(nov.id);
    expect(fin).toMatchObject({ status: 'finalized', number: 'INV-2026-11-team-a', providerRef: 'manual:INV-2026-11-team-a' });
    await expect(service.finalize(nov.id)).rejects.toThrow('is finalized, not draft');
    expect(await service.generateInvoice('team-a', '2026-11')).toEqual(fin); // frozen
    // the rest of the credit is left for later periods
    expect((await store.creditAvailableByWorkspace(Date.parse('2027-01-01'), '2026-12')).get('team-a')).toBe(574);

    const paid = await service.markPaid(nov.id);
    expect(paid.status).toBe('paid');
    expect(paid.paidAt).toBe('2026-12-01T09:00:00.000Z');
    expect(await service.markPaid(nov.id)).toEqual(paid);
    await expect(service.void(nov.id)).rejects.toThrow('cannot be voided');

    const voided = await service.void(oct.id);
    expect(voided.status).toBe('void');
    expect(await service.void(oct.id)).toEqual(voided);
    await expect(service.markPaid(oct.id)).rejects.toThrow('only a finalized invoice can be paid');
    await expect(service.getInvoice('missing')).rejects.toThrow("No invoice found with id 'missing'");
    expect((await service.listInvoices({ workspace: 'team-a' })).map(i => i.period)).toEqual(['2026-11', '2026-10']);
    expect(await service.listInvoices({ period: '2026-10' })).toHaveLength(1);

    now = new Date('2026-12-10T00:00:00.000Z');
    const dec = await service.generateInvoice('team-a', '2026-12');
    await expect(service.finalize(dec.id)).rejects.toThrow('has not ended yet');

    // payment failure -> past_due; paying -> active again
    await store.setSubscription('team-b', { plan: 'team', status: 'active', at: Date.parse('2026-01-01') });
    now = new Date('2026-12-01T09:00:00.000Z');
    const b = await service.generateInvoice('team-b', '2026-11');
    await service.finalize(b.id);
    await service.paymentFailed(b.id);
    expect((await service.getSubscription('team-b')).status).toBe('past_due');
    await service.markPaid(b.id);
    expect((await service.getSubscription('team-b')).status).toBe('active');
  });

  it('reports budgets from the sandbox quota, alerts at 80 % and blocks at 100 %', async () => {
    await newIngester().run();
    const metrics = new BillingMetrics(new Registry());
    const client = new SandboxClient({ discovery: { getBaseUrl: async () => fake.baseUrl, getExternalBaseUrl: async () => fake.baseUrl }, auth: mockServices.auth() });
    const service = newService({ metrics, budgets: async ws => ({ budgetMinor: await client.monthlyBudgetMinor(ws), source: 'sandbox-quota' }) });
    await service.reloadPlans();
    now = new Date('2026-11-30T23:00:00.000Z');
    const budget = await service.budget('team-a');
    expect(budget).toEqual({ workspace: 'team-a', period: '2026-11', usedMinor: 3426, budgetMinor: 5000, ratio: 0.6852, blocked: false, source: 'sandbox-quota' });
    expect(logger.warn).not.toHaveBeenCalled();

    await store.setSubscription('team-a', { plan: 'team', status: 'active', at: Date.parse('2026-11-01T00:00:00Z') });
    fake.records.length = 0;
    const over = newService({ metrics, budgets: async () => ({ budgetMinor: 3000, source: 'config' }) });
    await over.reloadPlans();
    const b2 = await over.budget('team-a');
    expect(b2).toMatchObject({ usedMinor: 3426, ratio: 1.142, blocked: true, source: 'config' });
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('billing budget alert: workspace team-a'));
    expect((await metrics.budgetRatio.get()).values).toEqual([{ labels: { workspace: 'team-a' }, value: 1.142 }]);

    const zero = newService({ budgets: async () => ({ budgetMinor: 0, source: 'config' }) });
    await zero.reloadPlans();
    expect(await zero.budget('free-ws')).toMatchObject({ usedMinor: 0, ratio: 0, blocked: false });
    expect(await newService().budget('team-a')).toMatchObject({ budgetMinor: null, ratio: null, blocked: false, source: 'none' });
    await expect(client.monthlyBudgetMinor('unknown')).rejects.toThrow();
  });

  it('allocates cost by dimension with the shared platform cost pro rata, and exports CSV', async () => {
    await newIngester().run();
    const service = newService({ sharedPlatformMinor: 1000 });
    await service.reloadPlans();
    const byWs = await service.allocation('2026-11', 'workspace');
    // team-a at team list prices: 37 vCPU-h x 7 + 74 GiB-h x 3 + 4985/730 GiB-month x 11 = 259 + 222 + 75.116 = 556
    // team-b (free plan): 1 vCPU-h x 5 + 1 GiB-h x 1 = 6
    expect(byWs.rows).toEqual([
      { key: 'team-a', directMinor: 556, sharedMinor: 989, totalMinor: 1545 },
      { key: 'team-b', directMinor: 6, sharedMinor: 11, totalMinor: 17 },
    ]);
    expect(byWs.rows.reduce((s, r) => s + r.sharedMinor, 0)).toBe(1000);
    const byCc = await service.allocation('2026-11', 'costCenter');
    expect(byCc.rows.map(r => r.key)).toEqual(['', 'cc-1']);
    expect((await service.allocation('2026-11', 'template')).rows.map(r => r.key)).toEqual(['gpu', 'python']);
    expect((await service.allocation('2026-11', 'sandbox')).rows.map(r => r.key)).toEqual(['big', 'box', 'other']);
    expect((await service.allocation('2030-01', 'workspace')).sharedPlatformMinor).toBe(0);

    // team = the workspace's backing catalog group; team-b has none -> '(no team)'
    const client = new SandboxClient({ discovery: { getBaseUrl: async () => fake.baseUrl, getExternalBaseUrl: async () => fake.baseUrl }, auth: mockServices.auth() });
    const byTeam = newService({ sharedPlatformMinor: 1000, teams: () => client.workspaceTeams() });
    await byTeam.reloadPlans();
    const teams = await byTeam.allocation('2026-11', 'team');
    expect(teams).toMatchObject({ dimension: 'team', sharedPlatformMinor: 1000 });
    expect(teams.rows).toEqual([
      { key: '(no team)', directMinor: 6, sharedMinor: 11, totalMinor: 17 },
      { key: 'group:default/team-a', directMinor: 556, sharedMinor: 989, totalMinor: 1545 },
    ]);
    expect(fake.requests).toContain('/api/sandbox/workspaces');
    // a workspace that moves to another group is allocated to the group it has now
    fake.teams['team-b'] = 'group:default/team-a';
    expect((await byTeam.allocation('2026-11', 'team')).rows).toEqual([
      { key: 'group:default/team-a', directMinor: 562, sharedMinor: 1000, totalMinor: 1562 },
    ]);
    // without a team lookup every workspace is '(no team)'; an unreachable sandbox API is a 503
    expect((await service.allocation('2026-11', 'team')).rows.map(r => r.key)).toEqual(['(no team)']);
    const broken = newService({ teams: async () => Promise.reject(new Error('connect ECONNREFUSED')) });
    await broken.reloadPlans();
    await expect(broken.allocation('2026-11', 'team')).rejects.toMatchObject({
      name: 'ServiceUnavailableError',
      message: expect.stringContaining('ECONNREFUSED'),
    });
    expect((await broken.allocation('2030-01', 'team')).rows).toEqual([]);
    expect(allocationCsv({ ...byWs, rows: [...byWs.rows, { key: 'a,"b"', directMinor: 1, sharedMinor: 0, totalMinor: 1 }] })).toBe(
      'period,workspace,currency,direct_minor,shared_minor,total_minor\n' +
        '2026-11,team-a,EUR,556,989,1545\n2026-11,team-b,EUR,6,11,17\n2026-11,"a,""b""",EUR,1,0,1\n',
    );
    const usage = await service.usage('team-a', '2026-11');
    expect(usage.days[0]).toEqual({ day: '2026-11-01', vcpuHours: 16, memoryGiBHours: 32, diskGiBHours: 80 });
    expect(usage.invoice.totalMinor).toBe(3426);
  });
});
