import { Registry } from 'prom-client';
import { createHarness, validRequest } from '../__testUtils__/harness';
import { SandboxMetrics } from './metrics';
import { SandboxService } from './SandboxService';
import { DEFAULT_TEMPLATES } from './readTemplates';

async function harnessWithMetrics() {
  const h = await createHarness();
  const registry = new Registry();
  const metrics = new SandboxMetrics(registry);
  metrics.countFrom(() => h.store.countByStateAndWorkspace());
  const service = new SandboxService({
    store: h.store,
    driver: h.driver,
    clock: h.clock,
    logger: h.logger,
    templates: DEFAULT_TEMPLATES,
    appBaseUrl: 'http://portal.test',
    metrics,
  });
  return { ...h, service, registry, metrics };
}

const value = async (registry: Registry, name: string, labels: Record<string, string>) => {
  const metric = await registry.getSingleMetric(name)!.get();
  return metric.values.find(v => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
};

describe('SandboxMetrics', () => {
  it('times provisioning by driver, template and outcome and counts driver errors', async () => {
    const { service, driver, registry } = await harnessWithMetrics();
    await service.create(validRequest, 'user:default/ada');
    driver.failNext.create = 'no such image';
    await service.create({ ...validRequest, name: 'broken' }, 'user:default/ada');
    await service.idle();
    expect(await value(registry, 'sandbox_provision_duration_seconds', { driver: 'memory', template: 'python', outcome: 'success' })).toBeDefined();
    const text = await registry.metrics();
    expect(text).toMatch(/sandbox_provision_duration_seconds_count\{driver="memory",template="python",outcome="success"\} 1/);
    expect(text).toMatch(/sandbox_provision_duration_seconds_count\{driver="memory",template="python",outcome="failure"\} 1/);
    expect(text).toMatch(/sandbox_driver_errors_total\{driver="memory",operation="provision"\} 1/);
  });

  it('counts live sandboxes by state and workspace at scrape time', async () => {
    const { service, registry } = await harnessWithMetrics();
    const a = await service.create(validRequest, 'user:default/ada');
    await service.create({ ...validRequest, name: 'b', workspace: 'team-b' }, 'user:default/ada');
    await service.idle();
    await service.stop(a.id);
    await service.idle();
    const text = await registry.metrics();
    expect(text).toContain('sandboxes{state="stopped",workspace="team-a"} 1');
    expect(text).toContain('sandboxes{state="running",workspace="team-b"} 1');
    expect(text).not.toContain('state="deleted"');
  });

  it('reuses the metrics already registered (one set per registry)', () => {
    const registry = new Registry();
    const first = new SandboxMetrics(registry);
    const second = new SandboxMetrics(registry);
    expect(second.provisionDuration).toBe(first.provisionDuration);
    expect(registry.getMetricsAsArray().map(m => m.name).sort()).toEqual([
      'sandbox_driver_errors_total',
      'sandbox_pause_resume_duration_seconds',
      'sandbox_provision_duration_seconds',
      'sandbox_quota_rejections_total',
      'sandbox_reconciler_drift_total',
      'sandbox_reconciler_runs_total',
      'sandboxes',
    ]);
  });
});
