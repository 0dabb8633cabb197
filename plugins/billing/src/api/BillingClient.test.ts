import type { FetchApi } from '@backstage/frontend-plugin-api';
import { mockApis } from '@backstage/frontend-test-utils';
import { ResponseError } from '@backstage/errors';
import { makeBudget, makeInvoice, makeUsage, makeWorkspace } from '../testUtils/fixtures';
import { BillingClient, filenameFromDisposition } from './BillingClient';

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    statusText: status === 200 ? 'OK' : 'Error',
    headers: { 'Content-Type': 'application/json' },
  });
}

describe('BillingClient', () => {
  let fetchFn: jest.Mock<Promise<Response>, Parameters<FetchApi['fetch']>>;
  let client: BillingClient;

  beforeEach(() => {
    fetchFn = jest.fn();
    const discoveryApi = mockApis.discovery.mock({
      getBaseUrl: async pluginId => `http://backend.test/api/${pluginId}`,
    });
    client = new BillingClient({ discoveryApi, fetchApi: { fetch: fetchFn } });
  });

  const lastCall = () => {
    const [url, init] = fetchFn.mock.calls[fetchFn.mock.calls.length - 1];
    return {
      url: String(url),
      method: init?.method,
      body: init?.body ? JSON.parse(String(init.body)) : undefined,
    };
  };

  it('lists workspaces from the sandbox backend', async () => {
    fetchFn.mockResolvedValue(jsonResponse(200, { items: [makeWorkspace()] }));
    await expect(client.listWorkspaces()).resolves.toEqual([makeWorkspace()]);
    expect(lastCall()).toMatchObject({ url: 'http://backend.test/api/sandbox/workspaces', method: 'GET' });
  });

  it('reads plans, subscription, usage and budget of a workspace', async () => {
    fetchFn.mockResolvedValueOnce(jsonResponse(200, { items: [{ name: 'team' }] }));
    await expect(client.listPlans()).resolves.toEqual([{ name: 'team' }]);
    expect(lastCall().url).toBe('http://backend.test/api/billing/plans');

    fetchFn.mockResolvedValueOnce(jsonResponse(200, { plan: 'team' }));
    await client.getSubscription('team a');
    expect(lastCall().url).toBe('http://backend.test/api/billing/workspaces/team%20a/subscription');

    fetchFn.mockResolvedValueOnce(jsonResponse(200, makeUsage()));
    await expect(client.getUsage('team-a', '2026-10')).resolves.toEqual(makeUsage());
    expect(lastCall().url).toBe('http://backend.test/api/billing/workspaces/team-a/usage?period=2026-10');

    fetchFn.mockResolvedValueOnce(jsonResponse(200, makeUsage()));
    await client.getUsage('team-a');
    expect(lastCall().url).toBe('http://backend.test/api/billing/workspaces/team-a/usage');

    fetchFn.mockResolvedValueOnce(jsonResponse(200, makeBudget()));
    await expect(client.getBudget('team-a')).resolves.toEqual(makeBudget());
    expect(lastCall().url).toBe('http://backend.test/api/billing/workspaces/team-a/budget');
  });

  it('lists, reads, generates and changes invoices', async () => {
    const invoice = makeInvoice();
    fetchFn.mockResolvedValueOnce(jsonResponse(200, { items: [invoice] }));
    await expect(client.listInvoices({ workspace: 'team-a', period: '2026-10' })).resolves.toEqual([invoice]);
    expect(lastCall().url).toBe('http://backend.test/api/billing/invoices?workspace=team-a&period=2026-10');

    fetchFn.mockResolvedValueOnce(jsonResponse(200, { items: [] }));
    await client.listInvoices();
    expect(lastCall().url).toBe('http://backend.test/api/billing/invoices');

    fetchFn.mockResolvedValueOnce(jsonResponse(200, invoice));
    await client.getInvoice('inv_team-a_2026-10');
    expect(lastCall().url).toBe('http://backend.test/api/billing/invoices/inv_team-a_2026-10');

    fetchFn.mockResolvedValueOnce(jsonResponse(200, { items: [invoice] }));
    await expect(client.generateInvoice('team-a', '2026-10')).resolves.toEqual(invoice);
    expect(lastCall()).toEqual({
      url: 'http://backend.test/api/billing/invoices/generate',
      method: 'POST',
      body: { workspace: 'team-a', period: '2026-10' },
    });

    for (const action of ['finalize', 'pay', 'void'] as const) {
      fetchFn.mockResolvedValueOnce(jsonResponse(200, invoice));
      await client.updateInvoice('inv_1', action);
      expect(lastCall()).toMatchObject({ url: `http://backend.test/api/billing/invoices/inv_1/${action}`, method: 'POST' });
    }
  });

  it('reads the allocation report by dimension and period', async () => {
    fetchFn.mockResolvedValueOnce(jsonResponse(200, { rows: [] }));
    await client.getAllocation({ by: 'template', period: '2026-10' });
    expect(lastCall().url).toBe('http://backend.test/api/billing/allocation?period=2026-10&by=template');
  });

  it('downloads the allocation CSV through fetch, named by the Content-Disposition header', async () => {
    fetchFn.mockResolvedValueOnce(
      new Response('period,workspace\n', {
        status: 200,
        headers: {
          'Content-Type': 'text/csv',
          'Content-Disposition': 'attachment; filename="cost-allocation-2026-10-workspace.csv"',
        },
      }),
    );
    const csv = await client.downloadAllocationCsv({ by: 'workspace', period: '2026-10' });
    expect(lastCall().url).toBe('http://backend.test/api/billing/allocation.csv?period=2026-10&by=workspace');
    expect(csv.filename).toBe('cost-allocation-2026-10-workspace.csv');
    expect(await csv.blob.text()).toBe('period,workspace\n');

    fetchFn.mockResolvedValueOnce(new Response('x', { status: 200 }));
    const unnamed = await client.downloadAllocationCsv({ by: 'sandbox' });
    expect(unnamed.filename).toBe('cost-allocation-current-sandbox.csv');
  });

  it('throws a ResponseError carrying the backend message', async () => {
    fetchFn.mockResolvedValue(
      // the JSON shape of Backstage's error middleware
      jsonResponse(409, {
        error: { name: 'ConflictError', message: 'Period 2026-11 has not ended yet' },
        request: { method: 'POST', url: '/api/billing/invoices/inv_1/finalize' },
        response: { statusCode: 409 },
      }),
    );
    const error = await client.updateInvoice('inv_1', 'finalize').catch(e => e);
    expect(ResponseError.is(error)).toBe(true);
    expect((error as ResponseError).body.error.message).toBe('Period 2026-11 has not ended yet');
    expect((error as ResponseError).statusCode).toBe(409);
  });

  it('reads file names from Content-Disposition', () => {
    expect(filenameFromDisposition('attachment; filename="a.csv"')).toBe('a.csv');
    expect(filenameFromDisposition('attachment; filename=b.csv')).toBe('b.csv');
    expect(filenameFromDisposition('attachment')).toBeUndefined();
    expect(filenameFromDisposition(null)).toBeUndefined();
  });
});
