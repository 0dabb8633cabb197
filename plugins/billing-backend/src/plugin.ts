import { coreServices, createBackendPlugin, readSchedulerServiceTaskScheduleDefinitionFromConfig } from '@backstage/backend-plugin-api';
import { billingPermissions, previousPeriod } from '@internal/plugin-billing-common';
import { readBillingOptions, readPlans } from './config';
import { DatabaseBillingStore } from './database/DatabaseBillingStore';
import { createRouter } from './router';
import { BillingService, BudgetLookup } from './service/BillingService';
import { BillingMetrics } from './service/metrics';
import { ManualInvoiceProvider, PaymentProvider, StripeProvider } from './service/payments';
import { SandboxClient } from './service/SandboxClient';
import { systemClock } from './service/types';
import { UsageIngester } from './service/UsageIngester';

/**
 * The billing backend plugin: REST API at /api/billing, the ledger ingester and the invoicing run.
 * `init` only wires; the logic lives in the service, store and ingester.
 */
export const billingPlugin = createBackendPlugin({
  pluginId: 'billing',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
      },
      async init({ config, logger, database, scheduler, httpAuth, httpRouter, permissions, permissionsRegistry, discovery, auth }) {
        const options = readBillingOptions(config);
        const clock = systemClock;
        const store = await DatabaseBillingStore.create({ database });
        const metrics = new BillingMetrics();
        const sandbox = new SandboxClient({ discovery, auth });
        const stripe = options.stripe ? StripeProvider.fromSecrets(options.stripe) : undefined;
        const provider: PaymentProvider = options.providerName === 'stripe' && stripe ? stripe : new ManualInvoiceProvider(logger);
        const budgets: BudgetLookup = async workspace => {
          const fromConfig = options.configBudgets[workspace];
          if (options.budgetSource === 'sandbox') {
            try {
              return { budgetMinor: await sandbox.monthlyBudgetMinor(workspace), source: 'sandbox-quota' };
            } catch (e) {
              logger.warn(`budget of ${workspace} not readable from the sandbox API: ${(e as Error).message}`);
            }
          }
          return fromConfig === undefined ? { budgetMinor: null, source: 'none' } : { budgetMinor: fromConfig, source: 'config' };
        };
        const service = new BillingService({ store, clock, logger, metrics, budgets, teams: () => sandbox.workspaceTeams(), defaultPlan: options.defaultPlan, sharedPlatformMinor: options.sharedPlatformMinor, provider });
        await service.init(readPlans(config));
        const ingester = new UsageIngester({ store, source: sandbox, logger, metrics, pageSize: options.pageSize, batchSize: options.batchSize, rereadWindow: options.rereadWindow });

        permissionsRegistry.addPermissions(billingPermissions);
        httpRouter.use(await createRouter({ httpAuth, permissions, logger, service, ingester, store, clock, stripe }));
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
        httpRouter.addAuthPolicy({ path: '/webhooks/stripe', allow: 'unauthenticated' });

        const schedule = (key: string, fallback: object) =>
          config.has(key) ? readSchedulerServiceTaskScheduleDefinitionFromConfig(config.getConfig(key)) : fallback;
        await scheduler.scheduleTask({
          id: 'billing-ingest',
          scope: 'global',
          ...schedule('billing.ingestion.schedule', { frequency: { minutes: 5 }, timeout: { minutes: 10 }, initialDelay: { seconds: 30 } }),
          fn: async () => {
            await ingester.run();
          },
        } as any);
        await scheduler.scheduleTask({
          id: 'billing-invoice',
          scope: 'global',
          ...schedule('billing.invoicing.schedule', { frequency: { hours: 1 }, timeout: { minutes: 30 }, initialDelay: { minutes: 2 } }),
          fn: async () => {
            const current = service.currentPeriod();
            await service.generatePeriod(previousPeriod(current));
            await service.generatePeriod(current);
          },
        } as any);
      },
    });
  },
});
