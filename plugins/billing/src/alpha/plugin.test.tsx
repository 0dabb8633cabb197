import { screen, waitFor } from '@testing-library/react';
import { coreExtensionData } from '@backstage/frontend-plugin-api';
import { createExtensionTester, renderTestApp } from '@backstage/frontend-test-utils';
import { billingApiRef } from '../api';
import { mockBillingApi } from '../testUtils/fixtures';
import billingPlugin, { billingPage } from './index';

jest.setTimeout(60_000);

describe('billingPlugin', () => {
  it('has the expected extensions', () => {
    expect(billingPlugin.pluginId).toBe('billing');
    expect(billingPlugin.getExtension('api:billing')).toBeDefined();
    expect(billingPlugin.getExtension('page:billing')).toBeDefined();
    expect(billingPlugin.getExtension('entity-card:billing/group')).toBeDefined();
  });

  it('makes /billing the "Billing" nav item', () => {
    const page = createExtensionTester(billingPage);
    expect(page.get(coreExtensionData.routePath)).toBe('/billing');
    expect(page.get(coreExtensionData.title)).toBe('Billing');
    expect(page.get(coreExtensionData.icon)).toBeDefined();
  });

  it('serves the billing page at /billing', async () => {
    const api = mockBillingApi();
    renderTestApp({
      features: [billingPlugin],
      apis: [[billingApiRef, api]],
      initialRouteEntries: ['/billing'],
    });
    expect(await screen.findByText('Cost so far, November 2026')).toBeInTheDocument();
    await waitFor(() => expect(api.getBudget).toHaveBeenCalledWith('team-a'));
  });
});
