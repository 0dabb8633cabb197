import { BackstageCredentials, HttpAuthService, LoggerService, PermissionsService } from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError } from '@backstage/errors';
import { AuthorizeResult, BasicPermission } from '@backstage/plugin-permission-common';
import {
  allocationQuerySchema,
  billingAdminPermission,
  billingViewPermission,
  changePlanRequestSchema,
  grantCreditRequestSchema,
  periodQuerySchema,
  periodSchema,
} from '@internal/plugin-billing-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { allocationCsv, BillingService } from './service/BillingService';
import { handleStripeEvent, StripeProvider } from './service/payments';
import { UsageIngester } from './service/UsageIngester';
import { BillingStore } from './database/BillingStore';
import { Clock } from './service/types';

const workspaceName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'invalid workspace name');
const generateSchema = z.object({ period: periodSchema, workspace: workspaceName.optional() }).strict();
const invoiceListSchema = z.object({ workspace: workspaceName.optional(), period: periodSchema.optional() }).strict();

function parse<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) throw new InputError(`${where}: ${parsed.error.issues.map(i => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export async function createRouter(options: {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  logger: LoggerService;
  service: BillingService;
  ingester: UsageIngester;
  store: BillingStore;
  clock: Clock;
  stripe?: StripeProvider;
}): Promise<express.Router> {
  const { httpAuth, permissions, service, ingester, store, clock, stripe } = options;
  const router = Router();

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Stripe needs the exact raw bytes for the signature, so this route comes before express.json().
  router.post('/webhooks/stripe', express.raw({ type: '*/*', limit: '1mb' }), async (req, res) => {
    if (!stripe) throw new InputError('Stripe is not configured');
    const event = stripe.verify(req.body as Buffer, req.header('stripe-signature'));
    const result = await handleStripeEvent(event, {
      events: service,
      isProcessed: id => store.isEventProcessed(id),
      markProcessed: (id, type) => store.markEventProcessed(id, type, clock.now().getTime()),
    });
    res.json({ received: true, applied: result.applied });
  });

  router.use(express.json());

  /** Users and backend services; users must hold the permission (services are trusted callers). */
  async function authorize(req: express.Request, permission: BasicPermission): Promise<BackstageCredentials> {
    const credentials = await httpAuth.credentials(req, { allow: ['user', 'service'] });
    if ((credentials.principal as { type: string }).type === 'service') return credentials;
    const [decision] = await permissions.authorize([{ permission }], { credentials });
    if (decision.result !== AuthorizeResult.ALLOW) throw new NotAllowedError(`Requires ${permission.name}`);
    return credentials;
  }
  const view = (req: express.Request) => authorize(req, billingViewPermission);
  const admin = (req: express.Request) => authorize(req, billingAdminPermission);
  const ws = (req: express.Request) => parse(workspaceName, req.params.name, 'workspace');

  router.get('/plans', async (req, res) => {
    await view(req);
    res.json({ items: service.listPlans() });
  });

  router.get('/workspaces/:name/subscription', async (req, res) => {
    await view(req);
    res.json(await service.getSubscription(ws(req)));
  });

  router.put('/workspaces/:name/subscription', async (req, res) => {
    await admin(req);
    const body = parse(changePlanRequestSchema, req.body, 'body');
    res.json(await service.changeSubscription(ws(req), body));
  });

  router.get('/workspaces/:name/credits', async (req, res) => {
    await view(req);
    res.json({ items: await service.listCredits(ws(req)) });
  });

  router.post('/workspaces/:name/credits', async (req, res) => {
    await admin(req);
    const body = parse(grantCreditRequestSchema, req.body, 'body');
    res.status(201).json(await service.grantCredit(ws(req), body.amountMinor, body.reason));
  });

  router.get('/workspaces/:name/usage', async (req, res) => {
    await view(req);
    const { period } = parse(periodQuerySchema, req.query, 'query');
    res.json(await service.usage(ws(req), period ?? service.currentPeriod()));
  });

  router.get('/workspaces/:name/budget', async (req, res) => {
    await view(req);
    res.json(await service.budget(ws(req)));
  });

  router.get('/invoices', async (req, res) => {
    await view(req);
    res.json({ items: await service.listInvoices(parse(invoiceListSchema, req.query, 'query')) });
  });

  router.post('/invoices/generate', async (req, res) => {
    await admin(req);
    const body = parse(generateSchema, req.body, 'body');
    const items = body.workspace
      ? [await service.generateInvoice(body.workspace, body.period)]
      : await service.generatePeriod(body.period);
    res.json({ items });
  });

  router.get('/invoices/:id', async (req, res) => {
    await view(req);
    res.json(await service.getInvoice(req.params.id));
  });

  router.post('/invoices/:id/finalize', async (req, res) => {
    await admin(req);
    res.json(await service.finalize(req.params.id));
  });

  router.post('/invoices/:id/pay', async (req, res) => {
    await admin(req);
    res.json(await service.markPaid(req.params.id));
  });

  router.post('/invoices/:id/void', async (req, res) => {
    await admin(req);
    res.json(await service.void(req.params.id));
  });

  router.get('/allocation', async (req, res) => {
    await view(req);
    const q = parse(allocationQuerySchema, req.query, 'query');
    res.json(await service.allocation(q.period ?? service.currentPeriod(), q.by));
  });

  router.get('/allocation.csv', async (req, res) => {
    await view(req);
    const q = parse(allocationQuerySchema, req.query, 'query');
    const report = await service.allocation(q.period ?? service.currentPeriod(), q.by);
    res
      .type('text/csv')
      .setHeader('Content-Disposition', `attachment; filename="cost-allocation-${report.period}-${report.dimension}.csv"`)
      .send(allocationCsv(report));
  });

  router.post('/ingest', async (req, res) => {
    await admin(req);
    res.json(await ingester.run());
  });

  return router;
}
