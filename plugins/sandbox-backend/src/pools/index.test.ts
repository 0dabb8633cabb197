import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { InMemoryDriver } from '../drivers/memory/InMemoryDriver';
import { DEFAULT_TEMPLATES } from '../service/readTemplates';
import { createWarmPools, scheduleWarmPoolRefill } from '.';

describe('warm pool wiring', () => {
  const deps = (driver: { name: string }) => ({
    config: new ConfigReader({ sandbox: { warmPools: [{ template: 'base', min: 1 }] } }),
    logger: mockServices.logger.mock(),
    knex: {} as any,
    sandboxes: { insertClaimed: async () => undefined } as any,
    driver: driver as any,
    templates: DEFAULT_TEMPLATES,
    clock: { now: () => new Date() },
  });

  it('refuses the kubernetes driver and builds the service otherwise', () => {
    expect(() => createWarmPools(deps({ name: 'kubernetes' }))).toThrow(/not supported with the kubernetes driver/);
    expect(createWarmPools(deps(new InMemoryDriver())).templates).toEqual(['base']);
  });

  it('schedules a global refill that skips while the runtime is down', async () => {
    const scheduler = mockServices.scheduler.mock();
    const logger = mockServices.logger.mock();
    const driver = new InMemoryDriver();
    const pools = { refill: jest.fn(async () => undefined) } as any;
    await scheduleWarmPoolRefill({ config: new ConfigReader({}), logger, scheduler, pools, driver });
    const task = scheduler.scheduleTask.mock.calls[0][0];
    expect(task).toMatchObject({ id: 'sandbox-warm-pool-refill', scope: 'global', frequency: { seconds: 10 }, timeout: { minutes: 1 } });
    driver.available = false;
    await task.fn(new AbortController().signal);
    expect(pools.refill).not.toHaveBeenCalled();
    expect(logger.warn).toHaveBeenCalledWith('warm pool refill skipped: in-memory runtime switched off');
    driver.available = true;
    await task.fn(new AbortController().signal);
    expect(pools.refill).toHaveBeenCalledTimes(1);

    await scheduleWarmPoolRefill({
      config: new ConfigReader({ sandbox: { warmPoolRefill: { schedule: { frequency: { seconds: 2 }, timeout: { seconds: 30 } } } } }),
      logger, scheduler, pools, driver,
    });
    expect(scheduler.scheduleTask.mock.calls[1][0]).toMatchObject({ frequency: { seconds: 2 }, timeout: { seconds: 30 } });
  });
});
