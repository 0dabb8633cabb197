import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { createHarness, ManualClock, validRequest } from '../__testUtils__/harness';
import { outcomeOf } from './AuditLog';
import { BudgetExhaustedError, BudgetGate } from './BudgetGate';
import { SandboxMetrics } from './metrics';
import { SandboxService } from './SandboxService';

jest.setTimeout(30_000);

/** A real HTTP server standing in for the billing backend's budget route. */
async function startFakeBilling() {
  const requests: Array<{ url: string; authorization?: string }> = [];
  const answers: Record<string, { status: number; body: unknown }> = {};
  const server = http.createServer((req, res) => {
    requests.push({ url: req.url!, authorization: req.headers.authorization });
    const m = req.url!.match(/^\/api\/billing\/workspaces\/([^/]+)\/budget$/);
    const answer = m ? answers[decodeURIComponent(m[1])] : undefined;
    const { status, body } = answer ?? { status: 404, body: { error: { name: 'NotFoundError', message: 'Not Found' } } };
    res.writeHead(status, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/api/billing`,
    requests,
    answers,
    close: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}

const budget = (workspace: string, blocked: boolean, usedMinor = 12_345, budgetMinor: number | null = 10_000) => ({
  status: 200,
  body: { workspace, period: '2026-11', usedMinor, budgetMinor, ratio: budgetMinor ? usedMinor / budgetMinor : null, blocked, source: 'sandbox-quota' },
});

describe('BudgetGate', () => {
  let billing: Awaited<ReturnType<typeof startFakeBilling>>;
  let clock: ManualClock;
  let logger: ReturnType<typeof mockServices.logger.mock>;
  let metrics: SandboxMetrics;
  let baseUrl: string;

  const newGate = () =>
    new BudgetGate({
      discovery: { getBaseUrl: async () => baseUrl, getExternalBaseUrl: async () => baseUrl },
      auth: mockServices.auth({ pluginId: 'sandbox' }),
      logger,
      clock,
      metrics,
    });
  const rejections = async () => (await metrics.quotaRejections.get()).values;

  beforeEach(async () => {
    billing = await startFakeBilling();
    baseUrl = billing.baseUrl;
    clock = new ManualClock();
    logger = mockServices.logger.mock();
    metrics = new SandboxMetrics(new Registry());
  });
  afterEach(() => billing.close());

  it('refuses with a 409 naming the budget when billing says blocked, counted as a budget rejection', async () => {
    billing.answers['team-a'] = budget('team-a', true);
    const error = await newGate().check('team-a').catch(e => e);
    expect(error).toBeInstanceOf(BudgetExhaustedError);
    expect(error.name).toBe('ConflictError');
    expect(error.message).toBe(
      "Budget exhausted in workspace 'team-a': 12345 of 10000 minor units used in 2026-11; its plan blocks new sandboxes at 100 %",
    );
    expect(outcomeOf(error)).toBe('denied');
    expect(await rejections()).toEqual([{ labels: { workspace: 'team-a', resource: 'budget' }, value: 1 }]);
    // service-to-service: a bearer token of this plugin's own service credentials, for billing
    expect(billing.requests).toHaveLength(1);
    expect(billing.requests[0].authorization).toMatch(/^Bearer .+/);
    expect(billing.requests[0].authorization).toContain('billing');
  });

  it('allows a workspace under budget and caches the answer for 15 s per workspace', async () => {
    const gate = newGate();
    billing.answers['team-a'] = budget('team-a', false, 100);
    billing.answers['team-b'] = budget('team-b', false, 0, null);
    await expect(gate.check('team-a')).resolves.toBeUndefined();
    await expect(gate.check('team-b')).resolves.toBeUndefined();
    // billing now says blocked, but the cached answer stands for 15 s
    billing.answers['team-a'] = budget('team-a', true);
    clock.advance(14_000);
    await expect(gate.check('team-a')).resolves.toBeUndefined();
    expect(billing.requests.map(r => r.url)).toEqual(['/api/billing/workspaces/team-a/budget', '/api/billing/workspaces/team-b/budget']);
    clock.advance(1_000);
    await expect(gate.check('team-a')).rejects.toBeInstanceOf(BudgetExhaustedError);
    expect(billing.requests).toHaveLength(3);
    // invalidate drops the cache
    await expect(gate.check('team-b')).resolves.toBeUndefined(); // expired: asks again, cached anew
    billing.answers['team-b'] = budget('team-b', true, 5, 5);
    await expect(gate.check('team-b')).resolves.toBeUndefined();
    gate.invalidate('team-b');
    await expect(gate.check('team-b')).rejects.toThrow("5 of 5 minor units used in 2026-11");
    gate.invalidate();
    await expect(gate.check('team-a')).rejects.toBeInstanceOf(BudgetExhaustedError);
    expect(billing.requests).toHaveLength(6);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('fails open with a warning when billing is not installed, errors or answers garbage', async () => {
    const gate = newGate();
    await expect(gate.check('nobilling')).resolves.toBeUndefined();
    expect(logger.warn).toHaveBeenLastCalledWith(expect.stringContaining('budget not checked for workspace nobilling (billing is not installed'));
    billing.answers.broken = { status: 500, body: { error: { name: 'Error', message: 'boom' } } };
    await expect(gate.check('broken')).resolves.toBeUndefined();
    expect(logger.warn).toHaveBeenLastCalledWith(expect.stringContaining('(billing answered 500'));
    billing.answers.odd = { status: 200, body: { hello: 'world' } };
    await expect(gate.check('odd')).resolves.toBeUndefined();
    expect(logger.warn).toHaveBeenLastCalledWith(expect.stringContaining('unexpected answer'));
    // failures are not cached: the next check asks again
    await gate.check('nobilling');
    expect(billing.requests.filter(r => r.url.includes('nobilling'))).toHaveLength(2);
    expect(await rejections()).toEqual([]);
  });

  it('fails open with a warning when billing is unreachable (connection refused)', async () => {
    await billing.close();
    await expect(newGate().check('team-a')).resolves.toBeUndefined();
    expect(logger.warn).toHaveBeenCalledWith(expect.stringMatching(/billing unreachable at http:\/\/127\.0\.0\.1:\d+\/api\/billing\/workspaces\/team-a\/budget: .*ECONNREFUSED/));
    baseUrl = 'not a url';
    await expect(newGate().check('team-a')).resolves.toBeUndefined();
    expect(logger.warn).toHaveBeenLastCalledWith(expect.stringContaining('billing unreachable'));
    billing = await startFakeBilling(); // for afterEach
  });

  it('runs first in SandboxService.create: a refused create writes no row and is audited as denied', async () => {
    const h = await createHarness();
    billing.answers['team-a'] = budget('team-a', true);
    const gate = newGate();
    const service = new SandboxService({
      store: h.store,
      driver: h.driver,
      clock: h.clock,
      logger: h.logger,
      templates: { python: { image: 'python:3' } },
      appBaseUrl: 'http://portal.test/',
      budgetGate: gate,
    });
    const credentials = mockCredentials.user('user:default/ada');
    const target = { action: 'sandbox.create', targetType: 'sandbox' as const, targetId: 'box', workspace: 'team-a' };
    // even a request that would fail validation later is refused by the budget first
    await expect(h.audit.track(credentials, target, () => service.create({ ...validRequest, template: 'nope' }, 'user:default/ada'))).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringContaining("Budget exhausted in workspace 'team-a'"),
    });
    expect((await service.list({ limit: 10, includeDeleted: true })).items).toEqual([]);
    expect(await h.driver.list()).toEqual([]);
    const audit = await h.workspaceStore.listAudit({ workspace: 'team-a', limit: 10 });
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0]).toMatchObject({ action: 'sandbox.create', outcome: 'denied', actor: 'user:default/ada' });
    expect(audit.items[0].message).toContain('Budget exhausted');

    // another workspace under budget creates as before
    billing.answers['team-b'] = budget('team-b', false, 1);
    const created = await service.create({ ...validRequest, workspace: 'team-b' }, 'user:default/ada');
    expect(created).toMatchObject({ workspace: 'team-b', state: 'pending' });
    await service.idle();
  });
});
