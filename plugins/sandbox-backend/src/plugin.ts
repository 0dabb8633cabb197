import {
  coreServices,
  createBackendPlugin,
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { SANDBOX_CHANGED_TOPIC } from '@internal/plugin-sandbox-common';
import { DatabaseWorkspaceStore } from './database/DatabaseWorkspaceStore';
import { permissionResourceLoaders, registerPermissions } from './permissions/register';
import { SandboxAuthorizer } from './service/authorize';
import { registerBackups } from './backups';
import { AuditLog } from './service/AuditLog';
import { WorkspaceService } from './service/WorkspaceService';
import { readBootstrapWorkspaces } from './service/readTemplates';
import {
  createCreateSandboxAction,
  createDeleteSandboxAction,
  createGetSandboxAction,
  createListSandboxesAction,
  createStopSandboxAction,
  createPauseSandboxAction,
  createResumeSandboxAction,
} from './actions';
import { DatabaseSandboxStore } from './database/DatabaseSandboxStore';
import { createDriver } from './drivers/createDriver';
import { createRouter } from './router';
import { registerInside } from './inside';
import { registerApiKeys } from './apikeys';
import { registerOpenHands } from './openhands';
import { OllamaClient } from './service/OllamaClient';
import { Reconciler } from './service/Reconciler';
import { SandboxService } from './service/SandboxService';
import { BudgetGate } from './service/BudgetGate';
import { SandboxMetrics } from './service/metrics';
import { readTemplates } from './service/readTemplates';
import { systemClock } from './service/types';
import { createWarmPools, scheduleWarmPoolRefill } from './pools';

/**
 * The sandbox backend plugin: REST API at /api/sandbox, MCP actions, and the reconciler.
 * `init` only wires; the logic lives in the service, store, driver and reconciler.
 */
export const sandboxPlugin = createBackendPlugin({
  pluginId: 'sandbox',
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
        lifecycle: coreServices.lifecycle,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
        userInfo: coreServices.userInfo,
        actionsRegistry: actionsRegistryServiceRef,
        events: eventsServiceRef,
      },
      async init(deps) {
        const { config, logger, database, scheduler, httpAuth, httpRouter, permissions } = deps;
        const store = await DatabaseSandboxStore.create({ database });
        const workspaceStore = new DatabaseWorkspaceStore(await database.getClient());
        const workspaces = new WorkspaceService({
          store: workspaceStore,
          clock: systemClock,
          logger,
          admins: config.getOptionalStringArray('sandbox.admins') ?? [],
        });
        await workspaces.bootstrap(readBootstrapWorkspaces(config));
        const audit = new AuditLog({ store: workspaceStore, clock: systemClock, logger });
        const driver = createDriver(config, logger);
        const ollamaUrl = config.getOptionalString('sandbox.ollama.baseUrl');
        const metrics = new SandboxMetrics();
        const templates = readTemplates(config);
        // warm pools (docs/operators/warm-pools.md); a config error stops the plugin here
        const warmPools = createWarmPools({
          config,
          logger,
          knex: await database.getClient(),
          sandboxes: store,
          driver,
          templates,
          clock: systemClock,
        });
        metrics.initialise(driver.name, Object.keys(templates));
        metrics.countFrom(() => store.countByStateAndWorkspace());
        const service = new SandboxService({
          store,
          driver,
          clock: systemClock,
          logger,
          events: {
            publish: event => deps.events.publish({ topic: SANDBOX_CHANGED_TOPIC, eventPayload: event }),
          },
          templates,
          appBaseUrl: config.getString('app.baseUrl'),
          sshHostPattern: config.getOptionalString('sandbox.ssh.hostPattern') ?? '{name}.{workspace}.sandbox.localhost',
          sshUser: config.getOptionalString('sandbox.ssh.user') ?? 'sandbox',
          metrics,
          quotaLimits: async workspace => (await workspaceStore.getQuota(workspace)).limits,
          budgetGate:
            config.getOptionalBoolean('sandbox.budget.enforce') === false
              ? undefined
              : new BudgetGate({ discovery: deps.discovery, auth: deps.auth, logger, clock: systemClock, metrics }),
          warmPool: warmPools,
        });

        registerPermissions(deps.permissionsRegistry, { sandboxes: store, workspaces: workspaceStore });
        const authorizer = new SandboxAuthorizer({
          permissions,
          ...permissionResourceLoaders({ sandboxes: store, workspaces: workspaceStore }),
          decisionCacheMs: (config.getOptionalNumber('sandbox.permissionDecisionCacheSeconds') ?? 2) * 1000,
        });
        const actionDeps = { service, authorizer, actionsRegistry: deps.actionsRegistry };
        createCreateSandboxAction(actionDeps);
        createListSandboxesAction(actionDeps);
        createGetSandboxAction(actionDeps);
        createStopSandboxAction(actionDeps);
        createPauseSandboxAction(actionDeps);
        createResumeSandboxAction(actionDeps);
        createDeleteSandboxAction(actionDeps);

        // exec / files / ports inside sandboxes (mounted first: the port proxy needs raw bodies);
        // returns the InsideService (openPortStream / proxyHttp / proxyUpgrade) for other routes
        const inside = registerInside({
          config,
          httpRouter,
          httpAuth,
          authorizer,
          audit,
          driver,
          getRecord: id => service.getRecord(id),
          touch: id => store.touch(id, systemClock.now()),
          actionsRegistry: deps.actionsRegistry,
        });

        httpRouter.use(
          await createRouter({
            httpAuth,
            permissions,
            authorizer,
            logger,
            service,
            workspaces,
            audit,
            claimsOf: async credentials => {
              if ((credentials.principal as { type: string }).type !== 'user') return [];
              const info = await deps.userInfo.getUserInfo(credentials);
              return [info.userEntityRef, ...info.ownershipEntityRefs];
            },
            ollama: ollamaUrl ? new OllamaClient(ollamaUrl) : undefined,
          }),
        );
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });

        // sandbox backups: routes, permissions and the scheduled backup / retention task
        await registerBackups({
          config,
          logger,
          scheduler,
          httpRouter,
          httpAuth,
          knex: await database.getClient(),
          permissionsRegistry: deps.permissionsRegistry,
          authorizer,
          audit,
          service,
          driver,
          clock: systemClock,
        });

        // workspace API keys, and the OpenHands runtime API that authenticates with them
        // (docs/operators/openhands.md; off unless sandbox.openhands.enabled)
        const apiKeys = registerApiKeys({
          knex: await database.getClient(),
          clock: systemClock,
          httpRouter,
          httpAuth,
          authorizer,
          audit,
          workspaces,
        });
        await registerOpenHands({
          config,
          knex: await database.getClient(),
          logger,
          lifecycle: deps.lifecycle,
          httpRouter,
          apiKeys,
          audit,
          sandboxes: service,
          inside,
          templates,
          clock: systemClock,
        });

        const reconciler = new Reconciler({
          store,
          driver,
          service,
          clock: systemClock,
          logger,
          staleAfterSeconds: config.getOptionalNumber('sandbox.reconciler.staleAfterSeconds') ?? 120,
          ownsRuntime: instance => warmPools.ownsRuntime(instance),
        });
        const schedule = config.has('sandbox.reconciler.schedule')
          ? readSchedulerServiceTaskScheduleDefinitionFromConfig(config.getConfig('sandbox.reconciler.schedule'))
          : { frequency: { seconds: 30 }, timeout: { minutes: 5 }, initialDelay: { seconds: 0 } };
        await scheduler.scheduleTask({
          id: 'sandbox-reconcile',
          scope: 'global',
          ...schedule,
          fn: async () => {
            try {
              await driver.healthCheck();
            } catch (e) {
              logger.warn(`reconciler skipped: ${(e as Error).message}`);
              return;
            }
            try {
              const report = await reconciler.reconcile();
              metrics.reconcilerRuns.inc({ outcome: 'success' });
              metrics.reconcilerDrift.inc({ kind: 'lost' }, report.lost.length);
              metrics.reconcilerDrift.inc({ kind: 'orphan' }, report.orphansRemoved.length);
              metrics.reconcilerDrift.inc({ kind: 'resumed' }, report.resumed.length);
              metrics.reconcilerDrift.inc({ kind: 'auto_stopped' }, report.autoStopped.length);
              metrics.reconcilerDrift.inc({ kind: 'auto_paused' }, report.autoPaused.length);
            } catch (e) {
              metrics.reconcilerRuns.inc({ outcome: 'error' });
              throw e;
            }
          },
        });

        await scheduleWarmPoolRefill({ config, logger, scheduler, pools: warmPools, driver });

        deps.lifecycle.addShutdownHook(async () => {
          await Promise.race([service.idle(), new Promise(r => setTimeout(r, 10_000))]);
        });
        driver.healthCheck().then(
          () => logger.info(`sandbox driver '${driver.name}' is ready`),
          e => logger.error(`sandbox driver '${driver.name}' is not usable: ${(e as Error).message}`),
        );
      },
    });
  },
});
