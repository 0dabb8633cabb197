import { screen, waitFor } from '@testing-library/react';
import { renderTestApp } from '@backstage/frontend-test-utils';
import { createTestEntityPage } from '@backstage/plugin-catalog-react/testUtils';
import type { Entity } from '@backstage/catalog-model';
import { billingApiRef, type BillingApi } from '../../api';
import { billingGroupEntityCard } from '../../alpha/entityCards';
import { rootRouteRef } from '../../routes';
import { makeBudget, makeUsage, makeInvoice, makeWorkspace, mockBillingApi, responseError } from '../../testUtils/fixtures';

jest.setTimeout(60_000);

const group: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: { name: 'team-a', namespace: 'default' },
  spec: { type: 'team', children: [] },
};

function render(entity: Entity, api: BillingApi) {
  renderTestApp({
    extensions: [createTestEntityPage({ entity }), billingGroupEntityCard],
    apis: [[billingApiRef, api]],
    mountedRoutes: { '/billing': rootRouteRef },
  });
  return api as jest.Mocked<BillingApi>;
}

describe('billingGroupEntityCard', () => {
  it("sums this period's cost of the group's workspaces and shows each budget", async () => {
    const api = render(
      group,
      mockBillingApi({
        listWorkspaces: jest.fn().mockResolvedValue([
          makeWorkspace({ name: 'team-a', title: 'Team A' }),
          makeWorkspace({ name: 'team-a-ml', title: 'Team A ML', backingGroup: 'group:default/Team-A' }),
          makeWorkspace({ name: 'other', backingGroup: 'group:default/other' }),
          makeWorkspace({ name: 'old', archived: true }),
        ]),
        getUsage: jest.fn(async (ws: string) =>
          makeUsage({ invoice: makeInvoice({ workspace: ws, totalMinor: ws === 'team-a' ? 2950 : 10_000 }) }),
        ),
        getBudget: jest.fn(async (ws: string) =>
          ws === 'team-a'
            ? makeBudget({ usedMinor: 2950, ratio: 0.059 })
            : makeBudget({ workspace: ws, usedMinor: 10_000, budgetMinor: 10_000, ratio: 1, blocked: true }),
        ),
      }),
    );

    expect(await screen.findByText('€129.50')).toBeInTheDocument();
    expect(screen.getByText('Cost so far, November 2026')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Team A' })).toHaveAttribute('href', '/billing?workspace=team-a');
    expect(screen.getByRole('link', { name: 'Team A ML' })).toHaveAttribute('href', '/billing?workspace=team-a-ml');
    expect(screen.getByText('Budget used up: new sandboxes blocked.')).toBeInTheDocument();
    expect(screen.getAllByRole('meter')).toHaveLength(2);
    expect(api.getUsage).toHaveBeenCalledTimes(2);
    expect(api.getBudget).not.toHaveBeenCalledWith('other');
    expect(api.getBudget).not.toHaveBeenCalledWith('old');
  });

  it('shows a workspace whose billing cannot be read, with the backend message', async () => {
    render(
      group,
      mockBillingApi({
        getBudget: jest.fn().mockRejectedValue(await responseError(403, 'NotAllowedError', 'Requires billing.view')),
      }),
    );
    expect(await screen.findByText('Requires billing.view')).toBeInTheDocument();
    expect(screen.getByText('€0.00')).toBeInTheDocument();
  });

  it('says when the group backs no workspace', async () => {
    render(group, mockBillingApi({ listWorkspaces: jest.fn().mockResolvedValue([]) }));
    expect(await screen.findByText('This group backs no workspaces.')).toBeInTheDocument();
  });

  it('shows why the workspaces cannot be listed', async () => {
    render(group, mockBillingApi({ listWorkspaces: jest.fn().mockRejectedValue(new Error('sandbox down')) }));
    expect(await screen.findByText('Could not load billing')).toBeInTheDocument();
    expect(screen.getByText('sandbox down')).toBeInTheDocument();
  });

  it('is absent on pages of other kinds', async () => {
    const api = render(
      { ...group, kind: 'Component', spec: { type: 'service', owner: 'group:default/team-a' } },
      mockBillingApi(),
    );
    expect(await screen.findByTestId('empty-entity-page')).toBeInTheDocument();
    expect(screen.queryByText('Billing')).not.toBeInTheDocument();
    await waitFor(() => expect(api.listWorkspaces).not.toHaveBeenCalled());
  });
});
