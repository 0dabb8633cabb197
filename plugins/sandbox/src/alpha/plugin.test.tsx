import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { coreExtensionData } from '@backstage/frontend-plugin-api';
import {
  createExtensionTester,
  mockApis,
  renderTestApp,
} from '@backstage/frontend-test-utils';
import { sandboxApiRef } from '../api';
import {
  ALLOW,
  makeAuditEntry,
  makeSandbox,
  makeSandboxWithHistory,
  makeWorkspace,
  makeWorkspaceDetails,
  mockSandboxApi,
} from '../testUtils/fixtures';
import sandboxPlugin, {
  sandboxAuditPage,
  sandboxDetailPage,
  sandboxListPage,
  sandboxWorkspacePage,
  sandboxWorkspacesPage,
} from './index';

// react-aria selects and dialogs are slow in jsdom, the more so under coverage.
jest.setTimeout(20_000);

describe('sandboxPlugin', () => {
  it('has the expected extensions', () => {
    expect(sandboxPlugin.pluginId).toBe('sandbox');
    // The ids are typed: a wrong one does not compile.
    expect(sandboxPlugin.getExtension('api:sandbox')).toBeDefined();
    expect(sandboxPlugin.getExtension('page:sandbox')).toBeDefined();
    expect(sandboxPlugin.getExtension('page:sandbox/details')).toBeDefined();
    expect(sandboxPlugin.getExtension('entity-card:sandbox')).toBeDefined();
    expect(sandboxPlugin.getExtension('page:sandbox/workspaces')).toBeDefined();
    expect(sandboxPlugin.getExtension('page:sandbox/workspace')).toBeDefined();
    expect(sandboxPlugin.getExtension('page:sandbox/audit')).toBeDefined();
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

  it('adds "Workspaces" and "Audit log" to the nav, but not the workspace page', () => {
    const workspaces = createExtensionTester(sandboxWorkspacesPage);
    expect(workspaces.get(coreExtensionData.routePath)).toBe('/workspaces');
    expect(workspaces.get(coreExtensionData.title)).toBe('Workspaces');
    expect(workspaces.get(coreExtensionData.icon)).toBeDefined();

    const audit = createExtensionTester(sandboxAuditPage);
    expect(audit.get(coreExtensionData.routePath)).toBe('/audit');
    expect(audit.get(coreExtensionData.title)).toBe('Audit log');
    expect(audit.get(coreExtensionData.icon)).toBeDefined();

    const workspace = createExtensionTester(sandboxWorkspacePage);
    expect(workspace.get(coreExtensionData.routePath)).toBe('/workspaces/:name');
    expect(workspace.get(coreExtensionData.icon)).toBeUndefined();
  });

  it('serves the workspaces at /workspaces and opens a new workspace after creating it', async () => {
    const api = mockSandboxApi({
      listWorkspaces: jest.fn().mockResolvedValue([makeWorkspace()]),
      createWorkspace: jest.fn().mockResolvedValue(makeWorkspaceDetails({ name: 'fresh' })),
      getWorkspace: jest.fn().mockResolvedValue(makeWorkspaceDetails({ name: 'fresh', title: 'Fresh' })),
      listSandboxes: jest.fn().mockResolvedValue({ items: [], totalCount: 0 }),
    });
    renderTestApp({
      features: [sandboxPlugin],
      apis: [[sandboxApiRef, api], mockApis.permission({ authorize: ALLOW })],
      initialRouteEntries: ['/workspaces'],
    });
    expect(await screen.findByRole('link', { name: 'team-a' })).toHaveAttribute(
      'href',
      '/workspaces/team-a',
    );
    await userEvent.click(await screen.findByRole('button', { name: 'Create workspace' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(within(dialog).getByRole('textbox', { name: /Name/ }), 'fresh');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create' }));

    expect(await screen.findByRole('heading', { name: 'Fresh' })).toBeInTheDocument();
    expect(api.getWorkspace).toHaveBeenCalledWith('fresh');
  });

  it('serves the audit log at /audit', async () => {
    const api = mockSandboxApi({
      listAuditEntries: jest.fn().mockResolvedValue({ items: [makeAuditEntry({ message: 'hello' })] }),
    });
    renderTestApp({
      features: [sandboxPlugin],
      apis: [[sandboxApiRef, api], mockApis.permission({ authorize: ALLOW })],
      initialRouteEntries: ['/audit'],
    });
    expect(await screen.findByText('hello')).toBeInTheDocument();
    await waitFor(() => expect(api.listAuditEntries).toHaveBeenCalledTimes(1));
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
