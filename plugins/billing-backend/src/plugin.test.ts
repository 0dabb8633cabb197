import { coreServices, createBackendPlugin } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import Router from 'express-promise-router';
import request from 'supertest';
import Stripe from 'stripe';
import { ledgerRecord } from './__testUtils__/fakeSandbox';
import { billingPlugin } from './plugin';

jest.setTimeout(60_000);

const WEBHOOK_SECRET = 'whsec_test_secret';

/** A stand-in sandbox plugin in the same test backend: billing reaches it through discovery + a service token. */
const fakeSandboxPlugin = createBackendPlugin({
  pluginId: 'sandbox',
  register(env) {
    env.registerInit({
      deps: { httpRouter: coreServices.httpRouter, httpAuth: coreServices.httpAuth },
      async init({ httpRouter, httpAuth }) {
        const records = [
          ledgerRecord('2026-10-05T00:00:00.000Z', '2026-10-05T10:00:00.000Z', { id: 1, key: 'a', vcpus: 4, memoryMiB: 8192, diskGiB: 0 }),
          ledgerRecord('2026-10-06T00:00:00.000Z', '2026-10-06T10:00:00.000Z', { id: 2, key: 'b', vcpus: 4, memoryMiB: 8192, diskGiB: 0 }),
        ];
        const router = Router();
        router.get('/usage', async (req, res) => {
          const credentials = await httpAuth.credentials(req, { allow: ['service'] });
          if ((credentials.principal as { subject?: string }).subject !== 'plugin:billing') {
            res.status(403).json({ error: { name: 'NotAllowedError', message: 'billing only' } });
            return;
          }
          const after = Number(req.query.after ?? 0);
          const limit = Number(req.query.limit);
          const items = records.filter(r => r.id > after).slice(0, limit);
          res.json({ items, ...(items.length === limit ? { nextCursor: items[items.length - 1].id } : {}) });
        });
        router.get('/workspaces', async (req, res) => {
          await httpAuth.credentials(req, { allow: ['service'] });
          res.json({ items: [{ name: 'team-a', backingGroup: 'group:default/platform' }, { name: 'solo' }] });
        });
        router.get('/workspaces/:name/quota', async (req, res) => {
          await httpAuth.credentials(req, { allow: ['service'] });
          if (req.params.name !== 'team-a') {
            res.status(404).json({ error: { name: 'NotFoundError', message: 'no such workspace' } });
            return;
          }
          res.json({ plan: 'team', limits: { monthlyBudgetMinor: 50_000 } });
        });
        httpRouter.use(router);
      },
    });
  },
});

describe('billingPlugin', () => {
  let server: Awaited<ReturnType<typeof startTestBackend>>['server'];
  let stopBackend: () => Promise<void>;

  beforeAll(async () => {
    const backend = await startTestBackend({
      features: [
        billingPlugin,
        fakeSandboxPlugin,
        mockServices.rootConfig.factory({
          data: {
            billing: {
              ingestion: { pageSize: 1 },
              sharedPlatformCostMinor: 100,
              budgets: { 'team-z': 10 },
              plans: { team: { baseFeeMinor: 1000, vcpuHourMinor: 10, includedVcpuHours: 0, includedMemoryGiBHours: 0, memoryGiBHourMinor: 1 } },
              stripe: { apiKey: 'sk_test_123', webhookSecret: WEBHOOK_SECRET },
            },
          },
        }),
      ],
    });
    server = backend.server;
    stopBackend = () => backend.stop();
  });

  afterAll(async () => stopBackend());

  it('serves health and plans', async () => {
    expect((await request(server).get('/api/billing/health')).body).toEqual({ status: 'ok' });
    const plans = await request(server).get('/api/billing/plans');
    expect(plans.status).toBe(200);
    expect(plans.body.items.find((p: any) => p.name === 'team')).toMatchObject({ baseFeeMinor: 1000, vcpuHourMinor: 10 });
  });

  it('ingests, invoices, finalizes and pays over REST', async () => {
    const ingest = await request(server).post('/api/billing/ingest');
    expect(ingest.status).toBe(200);
    expect(ingest.body).toMatchObject({ inserted: 2, cursor: 2 });

    const sub = await request(server).put('/api/billing/workspaces/team-a/subscription').send({ plan: 'team' });
    expect(sub.status).toBe(200);
    expect(sub.body).toMatchObject({ workspace: 'team-a', plan: 'team', status: 'active' });
    expect((await request(server).get('/api/billing/workspaces/team-a/subscription')).body.plan).toBe('team');

    const gen = await request(server).post('/api/billing/invoices/generate').send({ period: '2026-10' });
    expect(gen.status).toBe(200);
    // subscription starts now (after October): October is rated on the default plan (free)
    // free: 80 vCPU-h - 20 included = 60 x 5 = 300; 160 GiB-h - 40 = 120 x 1 = 120
    expect(gen.body.items).toHaveLength(1);
    expect(gen.body.items[0]).toMatchObject({ id: 'inv_team-a_2026-10', totalMinor: 420 });
    const one = await request(server).post('/api/billing/invoices/generate').send({ period: '2026-10', workspace: 'team-a' });
    expect(one.body.items[0]).toEqual(gen.body.items[0]);

    const list = await request(server).get('/api/billing/invoices?workspace=team-a');
    expect(list.body.items).toHaveLength(1);
    const fin = await request(server).post('/api/billing/invoices/inv_team-a_2026-10/finalize');
    expect(fin.body).toMatchObject({ status: 'finalized', providerRef: 'manual:INV-2026-10-team-a' });
    const paid = await request(server).post('/api/billing/invoices/inv_team-a_2026-10/pay');
    expect(paid.body.status).toBe('paid');
    expect((await request(server).get('/api/billing/invoices/inv_team-a_2026-10')).body.status).toBe('paid');
    const voided = await request(server).post('/api/billing/invoices/inv_team-a_2026-10/void');
    expect(voided.status).toBe(409);
    expect((await request(server).get('/api/billing/invoices/nope')).status).toBe(404);
  });

  it('rejects bad input with a 400 naming the problem', async () => {
    const bad = await request(server).put('/api/billing/workspaces/team-a/subscription').send({ plan: 'gold' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('plan');
    expect((await request(server).post('/api/billing/invoices/generate').send({ period: '2026-13' })).status).toBe(400);
    expect((await request(server).get('/api/billing/workspaces/Bad_Name/budget')).status).toBe(400);
    expect((await request(server).post('/api/billing/workspaces/team-a/credits').send({ amountMinor: 1.5, reason: 'x' })).status).toBe(400);
    expect((await request(server).get('/api/billing/allocation?by=planet')).status).toBe(400);
  });

  it('grants credits, reports usage, budget and allocation (JSON and CSV)', async () => {
    const credit = await request(server).post('/api/billing/workspaces/team-a/credits').send({ amountMinor: 500, reason: 'welcome' });
    expect(credit.status).toBe(201);
    expect((await request(server).get('/api/billing/workspaces/team-a/credits')).body.items).toHaveLength(1);

    const usage = await request(server).get('/api/billing/workspaces/team-a/usage?period=2026-10');
    expect(usage.body.days).toHaveLength(2);
    const current = await request(server).get('/api/billing/workspaces/team-a/usage');
    expect(current.status).toBe(200);

    const budget = await request(server).get('/api/billing/workspaces/team-a/budget');
    expect(budget.body).toMatchObject({ workspace: 'team-a', budgetMinor: 50_000, source: 'sandbox-quota', blocked: false });
    const fromConfig = await request(server).get('/api/billing/workspaces/team-z/budget');
    expect(fromConfig.body).toMatchObject({ budgetMinor: 10, source: 'config' });
    expect((await request(server).get('/api/billing/workspaces/team-y/budget')).body.source).toBe('none');

    const alloc = await request(server).get('/api/billing/allocation?period=2026-10&by=workspace');
    expect(alloc.body).toMatchObject({ sharedPlatformMinor: 100, rows: [{ key: 'team-a', sharedMinor: 100 }] });
    const csv = await request(server).get('/api/billing/allocation.csv?period=2026-10&by=template');
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.text.split('\n')[0]).toBe('period,template,currency,direct_minor,shared_minor,total_minor');
    expect((await request(server).get('/api/billing/allocation')).status).toBe(200);

    // team: the workspace's backing catalog group, read from the sandbox API with a service token
    const team = await request(server).get('/api/billing/allocation?period=2026-10&by=team');
    expect(team.body).toMatchObject({ dimension: 'team', rows: [{ key: 'group:default/platform', sharedMinor: 100 }] });
    const teamCsv = await request(server).get('/api/billing/allocation.csv?period=2026-10&by=team');
    expect(teamCsv.headers['content-disposition']).toContain('cost-allocation-2026-10-team.csv');
    expect(teamCsv.text.split('\n')[0]).toBe('period,team,currency,direct_minor,shared_minor,total_minor');
    expect(teamCsv.text.split('\n')[1]).toMatch(/^2026-10,group:default\/platform,EUR,\d+,100,\d+$/);
  });

  it('verifies Stripe webhooks: bad signature -> 400, replay changes nothing', async () => {
    await request(server).post('/api/billing/invoices/generate').send({ period: '2026-09', workspace: 'team-a' });
    await request(server).post('/api/billing/invoices/inv_team-a_2026-09/finalize').expect(200);
    const stripe = new Stripe('sk_test_123');
    const payload = JSON.stringify({
      id: 'evt_paid_1',
      object: 'event',
      type: 'invoice.paid',
      data: { object: { id: 'in_1', object: 'invoice', metadata: { billingInvoiceId: 'inv_team-a_2026-09' } } },
    });
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
    const post = (sig: string, body = payload) =>
      request(server).post('/api/billing/webhooks/stripe').set('Content-Type', 'application/json').set('Stripe-Signature', sig).send(body);

    const bad = await post(stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_wrong' }));
    expect(bad.status).toBe(400);
    expect((await post(header, payload.replace('invoice.paid', 'invoice.voided'))).status).toBe(400);
    expect((await request(server).post('/api/billing/webhooks/stripe').send(payload)).status).toBe(400);
    expect((await request(server).get('/api/billing/invoices/inv_team-a_2026-09')).body.status).toBe('finalized');

    const ok = await post(header);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ received: true, applied: true });
    const paid = (await request(server).get('/api/billing/invoices/inv_team-a_2026-09')).body;
    expect(paid.status).toBe('paid');

    const replay = await post(header);
    expect(replay.body).toEqual({ received: true, applied: false });
    expect((await request(server).get('/api/billing/invoices/inv_team-a_2026-09')).body).toEqual(paid);
  });
});
