import { screen } from '@testing-library/react';
import { coreExtensionData } from '@backstage/frontend-plugin-api';
import {
  createExtensionTester,
  mockApis,
  renderTestApp,
} from '@backstage/frontend-test-utils';
import { sandboxApiRef } from '../api';
import { ALLOW, makeSandbox, makeSandboxWithHistory, mockSandboxApi } from '../testUtils/fixtures';
import sandboxPlugin, { sandboxDetailPage, sandboxListPage } from './index';

describe('sandboxPlugin', () => {
  it('has the expected extensions', () => {
    expect(sandboxPlugin.pluginId).toBe('sandbox');
    // The ids are typed: a wrong one does not compile.
    expect(sandboxPlugin.getExtension('api:sandbox')).toBeDefined();
    expect(sandboxPlugin.getExtension('page:sandbox')).toBeDefined();
    expect(sandboxPlugin.getExtension('page:sandbox/details')).toBeDefined();
    expect(sandboxPlugin.getExtension('entity-card:sandbox')).toBeDefined();
    expect(() => sandboxPlugin.getExtension('page:sandbox/nope' as any)).toThrow();
  });

  it('makes the list page the "Sandboxes" nav item and keeps the detail page out of it', () => {
    const list = createExtensionTester(sandboxListPage);
    expect(list.get(coreExtensionData.routePath)).toBe('/sandboxes');
    expect(list.get(coreExtensionData.title)).toBe('Sandboxes');
    expect(list.get(coreExtensionData.icon)).toBeDefined();

    const details = createExtensionTester(sandboxDetailPage);
    expect(details.get(coreExtensionData.routePath)).toBe('/sandboxes/:id');
    expect(details.get(coreExtensionData.icon)).toBeUndefined();
  });

  it('serves the list at /sandboxes and the detail page at /sandboxes/:id', async () => {
    const api = mockSandboxApi({
      listSandboxes: jest.fn().mockResolvedValue({ items: [makeSandbox()], totalCount: 1 }),
      getSandbox: jest.fn().mockResolvedValue(makeSandboxWithHistory({ id: 'sbx-routed' })),
    });
    renderTestApp({
      features: [sandboxPlugin],
      apis: [[sandboxApiRef, api], mockApis.permission({ authorize: ALLOW })],
      initialRouteEntries: ['/sandboxes/sbx-routed'],
    });
    expect(await screen.findByRole('heading', { name: 'my-box' })).toBeInTheDocument();
    expect(api.getSandbox).toHaveBeenCalledWith('sbx-routed');
    expect(api.listSandboxes).not.toHaveBeenCalled();
  });

  it('links list rows to the detail page', async () => {
    const api = mockSandboxApi({
      listSandboxes: jest.fn().mockResolvedValue({ items: [makeSandbox()], totalCount: 1 }),
    });
    renderTestApp({
      features: [sandboxPlugin],
      apis: [[sandboxApiRef, api], mockApis.permission({ authorize: ALLOW })],
      initialRouteEntries: ['/sandboxes'],
    });
    expect(await screen.findByRole('link', { name: 'my-box' })).toHaveAttribute(
      'href',
      '/sandboxes/sbx-my-box',
    );
  });
});
