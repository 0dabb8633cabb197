import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { ALLOCATION_DIMENSIONS, type AllocationReport } from '@internal/plugin-billing-common';
import { billingApiRef, type BillingApi } from '../../api';
import { mockBillingApi, responseError } from '../../testUtils/fixtures';
import { BillingPage } from './BillingPage';
import { dimensionOptions } from './AllocationTab';

jest.setTimeout(60_000);

function render(api: BillingApi, query = '?tab=allocation') {
  renderInTestApp(<BillingPage />, {
    apis: [[billingApiRef, api]],
    initialRouteEntries: [`/billing${query}`],
    mountPath: '/billing',
  });
  return api as jest.Mocked<BillingApi>;
}

function report(overrides: Partial<AllocationReport> = {}): AllocationReport {
  return {
    period: '2026-10',
    dimension: 'workspace',
    currency: 'EUR',
    sharedPlatformMinor: 1000,
    rows: [
      { key: 'team-a', directMinor: 3000, sharedMinor: 750, totalMinor: 3750 },
      { key: 'team-b', directMinor: 1000, sharedMinor: 250, totalMinor: 1250 },
    ],
    ...overrides,
  };
}

describe('BillingPage allocation', () => {
  it('offers every dimension the backend allocates by, team first', () => {
    const ids = dimensionOptions().map(d => d.id);
    expect([...ids].sort()).toEqual([...ALLOCATION_DIMENSIONS].sort());
    expect(ids[0]).toBe('team');
    expect(dimensionOptions()[0].label).toBe('Team');
    expect(dimensionOptions().find(d => d.id === 'costCenter')?.label).toBe('Cost center');
  });

  it('shows direct and shared cost per row with a stacked chart and the total', async () => {
    const api = render(
      mockBillingApi({ getAllocation: jest.fn().mockResolvedValue(report()) }),
      '?tab=allocation&by=workspace&period=2026-10',
    );
    expect(await screen.findByText('Cost by workspace, October 2026, all workspaces')).toBeInTheDocument();
    expect(api.getAllocation).toHaveBeenCalledWith({ by: 'workspace', period: '2026-10' });
    expect(screen.getByText('Total €50.00, of which shared platform cost €10.00 (spread pro rata to direct cost).')).toBeInTheDocument();
    expect(screen.getByTestId('allocation-chart')).toBeInTheDocument();
    const row = screen.getByRole('row', { name: /team-a/ });
    expect(within(row).getByText('€30.00')).toBeInTheDocument();
    expect(within(row).getByText('€7.50')).toBeInTheDocument();
    expect(within(row).getByText('€37.50')).toBeInTheDocument();
    // no workspace picker: allocation spans all workspaces
    expect(screen.getByText('Allocate by', { selector: '.bui-FieldLabel' })).toBeInTheDocument();
    expect(screen.queryByText('Workspace', { selector: '.bui-FieldLabel' })).not.toBeInTheDocument();
  });

  it('loads another dimension when picked', async () => {
    const api = render(mockBillingApi({ getAllocation: jest.fn().mockResolvedValue(report()) }), '?tab=allocation&by=workspace');
    await screen.findByText(/Cost by workspace/);
    await userEvent.click(screen.getByRole('button', { name: /Allocate by/ }));
    await userEvent.click(await screen.findByRole('option', { name: 'Template' }));
    await waitFor(() => expect(api.getAllocation).toHaveBeenCalledWith({ by: 'template', period: undefined }));
  });

  it('shows team rows by group name', async () => {
    const api = render(
      mockBillingApi({
        getAllocation: jest.fn().mockResolvedValue(
          report({
            dimension: 'team',
            rows: [
              { key: 'group:default/platform', directMinor: 100, sharedMinor: 0, totalMinor: 100 },
              { key: '(no team)', directMinor: 50, sharedMinor: 0, totalMinor: 50 },
            ],
          }),
        ),
      }),
      '?tab=allocation&by=team',
    );
    expect(await screen.findByText('Cost by team, October 2026, all workspaces')).toBeInTheDocument();
    expect(api.getAllocation).toHaveBeenCalledWith({ by: 'team', period: undefined });
    expect(screen.getByRole('row', { name: /^platform/ })).toBeInTheDocument();
    expect(screen.queryByText('group:default/platform')).not.toBeInTheDocument();
    expect(screen.getByRole('row', { name: /\(no team\)/ })).toBeInTheDocument();
  });

  it('downloads the CSV through the API and saves it via a Blob URL', async () => {
    const blob = new Blob(['period,workspace\n'], { type: 'text/csv' });
    const createObjectURL = jest.fn().mockReturnValue('blob:csv-1');
    const revokeObjectURL = jest.fn();
    Object.assign(URL, { createObjectURL, revokeObjectURL });
    const clicked: HTMLAnchorElement[] = [];
    const click = jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function recordClick(this: HTMLAnchorElement) {
      clicked.push(this);
    });
    const api = render(
      mockBillingApi({
        getAllocation: jest.fn().mockResolvedValue(report()),
        downloadAllocationCsv: jest.fn().mockResolvedValue({ filename: 'cost-allocation-2026-10-workspace.csv', blob }),
      }),
      '?tab=allocation&by=workspace&period=2026-10',
    );
    await screen.findByText(/Cost by workspace/);
    await userEvent.click(screen.getByRole('button', { name: 'Download CSV' }));
    await waitFor(() => expect(api.downloadAllocationCsv).toHaveBeenCalledWith({ by: 'workspace', period: '2026-10' }));
    await waitFor(() => expect(clicked).toHaveLength(1));
    expect(createObjectURL).toHaveBeenCalledWith(blob);
    expect(clicked[0].download).toBe('cost-allocation-2026-10-workspace.csv');
    expect(clicked[0].href).toBe('blob:csv-1');
    expect(revokeObjectURL).toHaveBeenCalledWith('blob:csv-1');
    click.mockRestore();
  });

  it('shows backend errors of the report and of the download', async () => {
    render(
      mockBillingApi({
        getAllocation: jest.fn().mockRejectedValue(await responseError(403, 'NotAllowedError', 'Requires billing.view')),
        downloadAllocationCsv: jest.fn().mockRejectedValue(await responseError(403, 'NotAllowedError', 'Requires billing.view')),
      }),
    );
    expect(await screen.findByText('Could not load the allocation')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Download CSV' }));
    expect(await screen.findByText('Could not download the CSV: Requires billing.view')).toBeInTheDocument();
  });

  it('says when a period has no usage', async () => {
    render(mockBillingApi({ getAllocation: jest.fn().mockResolvedValue(report({ rows: [], sharedPlatformMinor: 0 })) }));
    expect(await screen.findByText('No usage in this period.')).toBeInTheDocument();
    expect(screen.queryByTestId('allocation-chart')).not.toBeInTheDocument();
  });
});
