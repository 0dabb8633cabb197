import {
  LoggerService,
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { Knex } from 'knex';
import { SandboxStore } from '../database/SandboxStore';
import { SandboxDriver } from '../drivers/types';
import { Clock, TemplateImage } from '../service/types';
import { readWarmPools } from './config';
import { DatabaseWarmPoolStore } from './DatabaseWarmPoolStore';
import { WarmPoolMetrics } from './metrics';
import { WarmPoolService } from './WarmPoolService';

export { readWarmPools } from './config';
export type { WarmPoolConfig } from './config';
export { DatabaseWarmPoolStore } from './DatabaseWarmPoolStore';
export { WarmPoolMetrics } from './metrics';
export { WarmPoolService, specKeyOf } from './WarmPoolService';
export type { RefillReport } from './WarmPoolService';

/** The warm pool service from `sandbox.warmPools` (throws a config error for the kubernetes driver). */
export function createWarmPools(deps: {
  config: Config;
  logger: LoggerService;
  knex: Knex;
  sandboxes: SandboxStore;
  driver: SandboxDriver;
  templates: Record<string, TemplateImage>;
  clock: Clock;
}): WarmPoolService {
  const pools = readWarmPools(deps.config, { templates: deps.templates, driver: deps.driver.name });
  const store = new DatabaseWarmPoolStore(deps.knex);
  const metrics = new WarmPoolMetrics();
  metrics.sizeFrom(() => store.counts());
  return new WarmPoolService({
    pools,
    templates: deps.templates,
    store,
    sandboxes: deps.sandboxes,
    driver: deps.driver,
    clock: deps.clock,
    logger: deps.logger,
    metrics,
    staleCreatingMs: (deps.config.getOptionalNumber('sandbox.warmPoolRefill.staleCreatingSeconds') ?? 300) * 1000,
  });
}

/**
 * The global task `sandbox-warm-pool-refill` (one replica at a time, short lease):
 * `sandbox.warmPoolRefill.schedule`, default every 10 s with a 1 minute timeout.
 */
export async function scheduleWarmPoolRefill(deps: {
  config: Config;
  logger: LoggerService;
  scheduler: SchedulerService;
  pools: WarmPoolService;
  driver: SandboxDriver;
}): Promise<void> {
  const schedule = deps.config.has('sandbox.warmPoolRefill.schedule')
    ? readSchedulerServiceTaskScheduleDefinitionFromConfig(deps.config.getConfig('sandbox.warmPoolRefill.schedule'))
    : { frequency: { seconds: 10 }, timeout: { minutes: 1 }, initialDelay: { seconds: 5 } };
  await deps.scheduler.scheduleTask({
    id: 'sandbox-warm-pool-refill',
    scope: 'global',
    ...schedule,
    fn: async () => {
      try {
        await deps.driver.healthCheck();
      } catch (e) {
        deps.logger.warn(`warm pool refill skipped: ${(e as Error).message}`);
        return;
      }
      await deps.pools.refill();
    },
  });
}
