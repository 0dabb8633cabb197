import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { billingApiRef, type BillingApi } from '../../api';
import { ALLOW, makeInvoice, mockBillingApi, responseError } from '../../testUtils/fixtures';
import { BillingPage } from './BillingPage';

// The view of a user without billing.admin is tested in InvoicesTab.denied.test.tsx:
// usePermission caches each decision for the whole test file.
jest.setTimeout(60_000);

// Each decision waits for `decided` (already settled except in the first test).
let decided: Promise<void> = Promise.resolve();
const permissionApi = mockApis.permission.mock({
  authorize: jest.fn(async () => {
    await decided;
    return { result: ALLOW };
  }),
});

function render(api: BillingApi, query = '?tab=invoices&workspace=team-a') {
  renderInTestApp(<BillingPage />, {
    apis: [[billingApiRef, api], permissionApi],
    initialRouteEntries: [`/billing${query}`],
    mountPath: '/billing',
  });
  return api as jest.Mocked<BillingApi>;
}

/** The button, once the billing.admin decision has enabled it. */
async function enabledButton(name: string) {
  const button = await screen.findByRole('button', { name });
  await waitFor(() => expect(button).toBeEnabled());
  return button;
}

const draft = makeInvoice({ period: '2026-10' });
const finalized = makeInvoice({
  period: '2026-10',
  status: 'finalized',
  number: 'INV-2026-10-team-a',
  finalizedAt: '2026-11-01T01:00:00.000Z',
  providerRef: 'manual-INV-2026-10-team-a',
});

describe('BillingPage invoices', () => {
  // Must stay the first test to render: afterwards the decision is cached.
  it('keeps "Generate draft" disabled until billing.admin is decided, then enables it', async () => {
    let decide!: () => void;
    decided = new Promise(resolve => {
      decide = resolve;
    });
    const api = render(mockBillingApi());
    const button = await screen.findByRole('button', { name: 'Generate draft' });
    await waitFor(() => expect(permissionApi.authorize).toHaveBeenCalled());
    expect(button).toBeDisabled();
    await userEvent.click(button);
    expect(api.generateInvoice).not.toHaveBeenCalled();

    await act(async () => decide());
    await waitFor(() => expect(button).toBeEnabled());
    await userEvent.click(button);
    await waitFor(() => expect(api.generateInvoice).toHaveBeenCalledTimes(1));
  });

  it("lists the workspace's invoices and opens one", async () => {
    const api = render(
      mockBillingApi({
        listInvoices: jest.fn().mockResolvedValue([draft, makeInvoice({ period: '2026-09', status: 'paid', number: 'INV-2026-09-team-a' })]),
        getInvoice: jest.fn().mockResolvedValue(draft),
      }),
    );
    const row = await screen.findByRole('row', { name: /INV-2026-09-team-a/ });
    expect(within(row).getByText('paid')).toBeInTheDocument();
    expect(within(row).getByText('September 2026')).toBeInTheDocument();
    expect(api.listInvoices).toHaveBeenCalledWith({ workspace: 'team-a', period: undefined });

    await userEvent.click(screen.getByRole('button', { name: draft.id }));
    expect(await screen.findByText(`Invoice ${draft.id}`)).toBeInTheDocument();
    expect(api.getInvoice).toHaveBeenCalledWith(draft.id);
    expect(screen.getByText('Team plan base fee')).toBeInTheDocument();
    expect(screen.getByText('October 2026')).toBeInTheDocument();
    // a draft can be finalized or voided, not paid (billing.admin is allowed here)
    expect(await enabledButton('Finalize')).toBeInTheDocument();
    expect(await enabledButton('Void')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Mark paid' })).not.toBeInTheDocument();
    expect(permissionApi.authorize).toHaveBeenCalledWith(
      expect.objectContaining({ permission: expect.objectContaining({ name: 'billing.admin' }) }),
    );

    await userEvent.click(screen.getByRole('button', { name: 'Back to invoices' }));
    expect(await screen.findByRole('row', { name: /INV-2026-09-team-a/ })).toBeInTheDocument();
  });

  it('finalizes a draft after confirmation and then offers payment', async () => {
    const api = render(
      mockBillingApi({
        getInvoice: jest.fn().mockResolvedValue(draft),
        updateInvoice: jest.fn().mockResolvedValue(finalized),
      }),
      `?tab=invoices&workspace=team-a&invoice=${draft.id}`,
    );
    await userEvent.click(await enabledButton('Finalize'));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText('Finalize this invoice?')).toBeInTheDocument();
    expect(within(dialog).getByText(/€29.50/)).toBeInTheDocument();
    expect(api.updateInvoice).not.toHaveBeenCalled();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Finalize' }));

    await waitFor(() => expect(api.updateInvoice).toHaveBeenCalledWith(draft.id, 'finalize'));
    expect(await screen.findByText('Invoice INV-2026-10-team-a')).toBeInTheDocument();
    expect(screen.getByText('manual-INV-2026-10-team-a')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Mark paid' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Finalize' })).not.toBeInTheDocument();
  });

  it('does nothing when the confirmation is cancelled', async () => {
    const api = render(
      mockBillingApi({ getInvoice: jest.fn().mockResolvedValue(finalized) }),
      `?tab=invoices&workspace=team-a&invoice=${finalized.id}`,
    );
    await userEvent.click(await enabledButton('Void'));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText('Void this invoice?')).toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(api.updateInvoice).not.toHaveBeenCalled();
  });

  it('marks a finalized invoice paid', async () => {
    const api = render(
      mockBillingApi({
        getInvoice: jest.fn().mockResolvedValue(finalized),
        updateInvoice: jest.fn().mockResolvedValue({ ...finalized, status: 'paid', paidAt: '2026-11-03T00:00:00.000Z' }),
      }),
      `?tab=invoices&workspace=team-a&invoice=${finalized.id}`,
    );
    await userEvent.click(await enabledButton('Mark paid'));
    await userEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Mark paid' }));
    await waitFor(() => expect(api.updateInvoice).toHaveBeenCalledWith(finalized.id, 'pay'));
    expect(await screen.findByText('paid')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Void' })).not.toBeInTheDocument();
  });

  it('shows the backend message when an action is refused', async () => {
    const api = render(
      mockBillingApi({
        getInvoice: jest.fn().mockResolvedValue(draft),
        updateInvoice: jest
          .fn()
          .mockRejectedValue(await responseError(409, 'ConflictError', 'Period 2026-10 has not ended yet')),
      }),
      `?tab=invoices&workspace=team-a&invoice=${draft.id}`,
    );
    await userEvent.click(await enabledButton('Finalize'));
    await userEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Finalize' }));
    expect(await screen.findByText('Finalize failed: Period 2026-10 has not ended yet')).toBeInTheDocument();
    expect(api.updateInvoice).toHaveBeenCalledWith(draft.id, 'finalize');
    // still a draft
    expect(screen.getByText('draft')).toBeInTheDocument();
  });

  it('offers no action on paid and void invoices', async () => {
    render(
      mockBillingApi({ getInvoice: jest.fn().mockResolvedValue(makeInvoice({ status: 'void' })) }),
      `?tab=invoices&workspace=team-a&invoice=${draft.id}`,
    );
    expect(await screen.findByText('void')).toBeInTheDocument();
    for (const name of ['Finalize', 'Mark paid', 'Void']) {
      expect(screen.queryByRole('button', { name })).not.toBeInTheDocument();
    }
  });

  it('shows why an invoice cannot be loaded', async () => {
    render(
      mockBillingApi({
        getInvoice: jest.fn().mockRejectedValue(await responseError(404, 'NotFoundError', "No invoice found with id 'x'")),
      }),
      '?tab=invoices&workspace=team-a&invoice=x',
    );
    expect(await screen.findByText("No invoice found with id 'x'")).toBeInTheDocument();
  });

  it('generates the draft of the picked period and reloads the list', async () => {
    const api = render(mockBillingApi(), '?tab=invoices&workspace=team-a&period=2026-10');
    await waitFor(() => expect(api.listInvoices).toHaveBeenCalledWith({ workspace: 'team-a', period: '2026-10' }));
    const calls = api.listInvoices.mock.calls.length;
    await userEvent.click(await enabledButton('Generate draft'));
    await waitFor(() => expect(api.generateInvoice).toHaveBeenCalledWith('team-a', '2026-10'));
    await waitFor(() => expect(api.listInvoices.mock.calls.length).toBeGreaterThan(calls));
  });

  it('shows why a draft could not be generated and why the list failed', async () => {
    render(
      mockBillingApi({
        listInvoices: jest.fn().mockRejectedValue(new Error('list down')),
        generateInvoice: jest.fn().mockRejectedValue(await responseError(403, 'NotAllowedError', 'Requires billing.admin')),
      }),
    );
    expect(await screen.findByText('list down')).toBeInTheDocument();
    await userEvent.click(await enabledButton('Generate draft'));
    expect(await screen.findByText('Could not generate the draft: Requires billing.admin')).toBeInTheDocument();
  });
});
