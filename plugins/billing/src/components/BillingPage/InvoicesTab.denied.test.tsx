import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { billingApiRef, type BillingApi } from '../../api';
import { DENY, makeInvoice, mockBillingApi } from '../../testUtils/fixtures';
import { BillingPage } from './BillingPage';

// A separate file from InvoicesTab.test.tsx: usePermission caches each decision for the
// whole test file, and here billing.admin is denied.
jest.setTimeout(60_000);

describe('BillingPage invoices without billing.admin', () => {
  it('shows the invoice actions disabled while billing.admin is decided, then hides them and "Generate draft"', async () => {
    const draft = makeInvoice({ period: '2026-10' });
    let decide!: () => void;
    const decided = new Promise<void>(resolve => {
      decide = resolve;
    });
    const permissionApi = mockApis.permission.mock({
      authorize: jest.fn(async () => {
        await decided;
        return { result: DENY };
      }),
    });
    const api = mockBillingApi({
      listInvoices: jest.fn().mockResolvedValue([draft]),
      getInvoice: jest.fn().mockResolvedValue(draft),
    }) as jest.Mocked<BillingApi>;
    renderInTestApp(<BillingPage />, {
      apis: [[billingApiRef, api], permissionApi],
      initialRouteEntries: [`/billing?tab=invoices&workspace=team-a&invoice=${draft.id}`],
      mountPath: '/billing',
    });

    // while the decision is pending: visible but disabled, so nothing can be sent
    const finalize = await screen.findByRole('button', { name: 'Finalize' });
    expect(finalize).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Void' })).toBeDisabled();
    await userEvent.click(finalize);
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(permissionApi.authorize).toHaveBeenCalledWith(
      expect.objectContaining({ permission: expect.objectContaining({ name: 'billing.admin' }) }),
    );

    // denied: the invoice is still shown, its actions are not
    await act(async () => decide());
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Finalize' })).not.toBeInTheDocument());
    expect(screen.queryByRole('button', { name: 'Void' })).not.toBeInTheDocument();
    expect(screen.getByText(`Invoice ${draft.id}`)).toBeInTheDocument();
    expect(screen.getByText('Team plan base fee')).toBeInTheDocument();

    // the list is still shown, without "Generate draft"
    await userEvent.click(screen.getByRole('button', { name: 'Back to invoices' }));
    expect(await screen.findByRole('button', { name: draft.id })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Generate draft' })).not.toBeInTheDocument();
    expect(api.updateInvoice).not.toHaveBeenCalled();
    expect(api.generateInvoice).not.toHaveBeenCalled();
  });
});
