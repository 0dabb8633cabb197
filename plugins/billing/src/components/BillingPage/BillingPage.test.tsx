import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { billingApiRef, type BillingApi } from '../../api';
import {
  ALLOW,
  makeBudget,
  makeInvoice,
  makeSubscription,
  makeUsage,
  makeWorkspace,
  mockBillingApi,
  responseError,
} from '../../testUtils/fixtures';
import { BillingPage } from './BillingPage';
import { dailySeries } from './UsageTab';

// react-aria selects and dialogs are slow in jsdom, the more so under coverage.
jest.setTimeout(60_000);

function render(api: BillingApi, query = '') {
  renderInTestApp(<BillingPage />, {
    apis: [[billingApiRef, api], mockApis.permission({ authorize: ALLOW })],
    initialRouteEntries: [`/billing${query}`],
    mountPath: '/billing',
  });
  return api as jest.Mocked<BillingApi>;
}

async function pick(label: string, option: string) {
  await userEvent.click(screen.getByRole('button', { name: new RegExp(label) }));
  await userEvent.click(await screen.findByRole('option', { name: option }));
}

describe('BillingPage overview', () => {
  it("shows the first workspace's cost so far, usage by meter, lines, budget and subscription", async () => {
    const api = render(
      mockBillingApi({
        getBudget: jest.fn().mockResolvedValue(makeBudget({ usedMinor: 42_500, ratio: 0.85 })),
        getSubscription: jest.fn().mockResolvedValue(
          makeSubscription({ status: 'trial', trialEndsAt: '2026-12-01T00:00:00.000Z' }),
        ),
      }),
    );

    expect(await screen.findByText('Cost so far, November 2026')).toBeInTheDocument();
    expect(screen.getByText('Workspace', { selector: '.bui-FieldLabel' })).toBeInTheDocument();
    expect(api.getUsage).toHaveBeenCalledWith('team-a');
    expect(api.getBudget).toHaveBeenCalledWith('team-a');
    expect(api.getSubscription).toHaveBeenCalledWith('team-a');
    expect(screen.getAllByText('€29.50').length).toBeGreaterThan(0);
    expect(screen.getByText('12.5 vCPU-h')).toBeInTheDocument();
    expect(screen.getByText('25 GiB-h')).toBeInTheDocument();
    expect(screen.getByText('480 GiB-h')).toBeInTheDocument();
    expect(screen.getByText('Team plan base fee')).toBeInTheDocument();
    expect(screen.getByText('12.5 vCPU-hour')).toBeInTheDocument();
    expect(await screen.findByRole('meter', { name: 'Budget' })).toHaveAttribute(
      'aria-valuetext',
      '€425.00 of €500.00 (85 %)',
    );
    expect(screen.getByText('Over 80 % of the monthly budget is used.')).toBeInTheDocument();
    expect(await screen.findByText('team')).toBeInTheDocument();
    expect(screen.getByText('trial')).toBeInTheDocument();
    expect(screen.getByText('Trial ends')).toBeInTheDocument();
  });

  it('says new sandboxes are blocked when the budget is used up and the plan blocks', async () => {
    render(
      mockBillingApi({
        getBudget: jest.fn().mockResolvedValue(makeBudget({ usedMinor: 50_000, ratio: 1, blocked: true })),
      }),
    );
    expect(await screen.findByText('Budget used up: new sandboxes blocked.')).toBeInTheDocument();
  });

  it('offers sandbox workspaces and invoice-only workspaces, and switches to the picked one', async () => {
    const api = render(
      mockBillingApi({
        listWorkspaces: jest.fn().mockResolvedValue([makeWorkspace(), makeWorkspace({ name: 'team-b', title: 'Team B' })]),
        listInvoices: jest.fn().mockResolvedValue([makeInvoice({ workspace: 'legacy' })]),
      }),
    );
    await waitFor(() => expect(api.getUsage).toHaveBeenCalledWith('legacy'));
    await pick('Workspace', 'Team B (team-b)');
    await waitFor(() => expect(api.getUsage).toHaveBeenCalledWith('team-b'));
    expect(api.getBudget).toHaveBeenCalledWith('team-b');
  });

  it('uses the workspace from the URL', async () => {
    const api = render(mockBillingApi(), '?workspace=team-z');
    await waitFor(() => expect(api.getUsage).toHaveBeenCalledWith('team-z'));
    expect(api.getUsage).not.toHaveBeenCalledWith('team-a');
  });

  it('shows backend errors of each part', async () => {
    const denied = await responseError(403, 'NotAllowedError', 'Requires billing.view');
    render(
      mockBillingApi({
        getUsage: jest.fn().mockRejectedValue(denied),
        getBudget: jest.fn().mockRejectedValue(denied),
        getSubscription: jest.fn().mockRejectedValue(new Error('subscription down')),
      }),
    );
    expect(await screen.findByText('Could not load usage')).toBeInTheDocument();
    expect(screen.getAllByText('Requires billing.view')).toHaveLength(2);
    expect(await screen.findByText('subscription down')).toBeInTheDocument();
  });

  it('warns when the sandbox backend cannot list workspaces but billing knows some', async () => {
    const api = render(
      mockBillingApi({
        listWorkspaces: jest.fn().mockRejectedValue(new Error('sandbox down')),
        listInvoices: jest.fn().mockResolvedValue([makeInvoice({ workspace: 'team-c' })]),
      }),
    );
    expect(
      await screen.findByText('Workspaces from the sandbox backend are missing: sandbox down'),
    ).toBeInTheDocument();
    await waitFor(() => expect(api.getUsage).toHaveBeenCalledWith('team-c'));
  });

  it('shows the error and no workspace when nothing can be listed', async () => {
    const api = render(
      mockBillingApi({
        listWorkspaces: jest.fn().mockRejectedValue(new Error('sandbox down')),
        listInvoices: jest.fn().mockRejectedValue(new Error('billing down')),
      }),
    );
    expect(await screen.findByText('Could not load workspaces')).toBeInTheDocument();
    expect(screen.getByText('sandbox down')).toBeInTheDocument();
    expect(await screen.findByText('No workspaces to show.')).toBeInTheDocument();
    expect(api.getUsage).not.toHaveBeenCalled();
  });
});

describe('BillingPage tabs', () => {
  it('switches views by tab', async () => {
    const api = render(mockBillingApi({ listInvoices: jest.fn().mockResolvedValue([makeInvoice({ number: 'INV-2026-10-team-a' })]) }));
    await screen.findByText('Cost so far, November 2026');
    await userEvent.click(screen.getByRole('tab', { name: 'Invoices' }));
    expect(await screen.findByRole('button', { name: 'INV-2026-10-team-a' })).toBeInTheDocument();
    expect(api.listInvoices).toHaveBeenCalledWith({ workspace: 'team-a', period: undefined });
    await userEvent.click(screen.getByRole('tab', { name: 'Allocation' }));
    expect(await screen.findByRole('button', { name: 'Download CSV' })).toBeInTheDocument();
    expect(api.getAllocation).toHaveBeenCalled();
  });
});

describe('BillingPage usage over time', () => {
  it('has one point per day of the period, zero where nothing was used', () => {
    const series = dailySeries('2026-11', makeUsage().days);
    expect(series).toHaveLength(30);
    expect(series[0]).toEqual({ day: '2026-11-01', vcpuHours: 0, memoryGiBHours: 0, diskGiBHours: 0 });
    expect(series[1]).toEqual({ day: '2026-11-02', vcpuHours: 10, memoryGiBHours: 20, diskGiBHours: 240 });
  });

  it('charts the period per day and meter and lists the numbers', async () => {
    const api = render(mockBillingApi(), '?tab=usage');
    expect(await screen.findByText('Usage per day, November 2026')).toBeInTheDocument();
    expect(screen.getByTestId('usage-chart')).toBeInTheDocument();
    const row = screen.getByRole('row', { name: /2026-11-02/ });
    expect(within(row).getByText('10')).toBeInTheDocument();
    expect(within(row).getByText('20')).toBeInTheDocument();
    expect(within(row).getByText('240')).toBeInTheDocument();
    expect(api.getUsage).toHaveBeenCalledWith('team-a', undefined);
  });

  it('loads the picked period', async () => {
    const api = render(mockBillingApi(), '?tab=usage');
    await screen.findByText('Usage per day, November 2026');
    const previous = (api.getUsage as jest.Mock).mock.calls.length;
    await userEvent.click(screen.getByRole('button', { name: /Period/ }));
    const options = await screen.findAllByRole('option');
    expect(options[0]).toHaveTextContent('Current period');
    expect(options).toHaveLength(12);
    await userEvent.click(options[1]);
    await waitFor(() => expect(api.getUsage.mock.calls.length).toBeGreaterThan(previous));
    const [, period] = api.getUsage.mock.calls[api.getUsage.mock.calls.length - 1];
    expect(period).toMatch(/^\d{4}-\d{2}$/);
  });

  it('shows the backend error', async () => {
    render(
      mockBillingApi({
        getUsage: jest.fn().mockRejectedValue(await responseError(404, 'NotFoundError', 'No workspace named team-a')),
      }),
      '?tab=usage&period=2026-10',
    );
    expect(await screen.findByText('No workspace named team-a')).toBeInTheDocument();
  });

  it('ignores a malformed period in the URL', async () => {
    const api = render(mockBillingApi(), '?tab=usage&period=2026-13');
    await screen.findByText('Usage per day, November 2026');
    expect(api.getUsage).toHaveBeenCalledWith('team-a', undefined);
  });
});
