import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import type { FetchApi } from '@backstage/frontend-plugin-api';
import type { WorkspaceDetails } from '@internal/plugin-sandbox-common';
import { SandboxClient, sandboxApiRef, type SandboxApi } from '../../api';
import { sandboxRouteRef, workspaceRouteRef } from '../../routes';
import {
  ALLOW,
  DENY,
  makeActivity,
  makeQuota,
  makeSandbox,
  makeWorkspaceDetails,
  mockSandboxApi,
  responseError,
} from '../../testUtils/fixtures';
import { WorkspacePage } from './WorkspacePage';

// usePermission caches each decision per (permission, resourceRef) for the whole
// file, so every test uses its own workspace name.

// react-aria selects and dialogs are slow in jsdom, the more so under coverage and
// on a 2-core machine shared with other suites (the page also renders the backup
// schedule and API key cards).
jest.setTimeout(45_000);

type Authorize = Parameters<typeof mockApis.permission>[0] extends infer O
  ? O extends { authorize?: infer A }
    ? A
    : never
  : never;

function render(
  workspace: WorkspaceDetails,
  api: SandboxApi = mockSandboxApi({
    getWorkspace: jest.fn().mockResolvedValue(workspace),
    listSandboxes: jest.fn().mockResolvedValue({ items: [], totalCount: 0 }),
  }),
  authorize: Authorize = ALLOW,
) {
  renderInTestApp(<WorkspacePage />, {
    apis: [[sandboxApiRef, api], mockApis.permission({ authorize })],
    mountPath: '/workspaces/:name',
    initialRouteEntries: [`/workspaces/${workspace.name}`],
    mountedRoutes: {
      '/workspaces/:name': workspaceRouteRef,
      '/sandboxes/:id': sandboxRouteRef,
    },
  });
  return api as jest.Mocked<SandboxApi>;
}

function apiFor(workspace: WorkspaceDetails, partial: Partial<SandboxApi> = {}) {
  return mockSandboxApi({
    getWorkspace: jest.fn().mockResolvedValue(workspace),
    listSandboxes: jest.fn().mockResolvedValue({ items: [], totalCount: 0 }),
    ...partial,
  });
}

async function settle() {
  await act(async () => {
    await new Promise(resolve => setTimeout(resolve, 20));
  });
}

describe('WorkspacePage', () => {
  it('shows the header, quota use, members, sandboxes and activity', async () => {
    const workspace = makeWorkspaceDetails({
      name: 'ws-view',
      title: 'Viewing',
      backingGroup: 'group:default/team-a',
    });
    const api = apiFor(workspace, {
      listSandboxes: jest.fn().mockResolvedValue({
        items: [makeSandbox({ workspace: 'ws-view' })],
        totalCount: 1,
      }),
      getWorkspaceActivity: jest.fn().mockResolvedValue(makeActivity()),
    });
    render(workspace, api);

    expect(await screen.findByRole('heading', { name: 'Viewing' })).toBeInTheDocument();
    expect(api.getWorkspace).toHaveBeenCalledWith('ws-view');
    expect(screen.getByText('team plan')).toBeInTheDocument();
    expect(screen.getByText('active')).toBeInTheDocument();
    expect(screen.getByText('The team-a workspace')).toBeInTheDocument();
    expect(screen.queryByText('This workspace is archived')).not.toBeInTheDocument();

    expect(screen.getByText('Quota (team plan)')).toBeInTheDocument();
    expect(screen.getByRole('meter', { name: 'Sandboxes' })).toHaveAttribute(
      'aria-valuetext',
      '2 of 20',
    );
    expect(screen.getByRole('meter', { name: 'vCPU' })).toHaveAttribute(
      'aria-valuetext',
      '1.5 vCPU of 16 vCPU',
    );
    expect(screen.getByRole('meter', { name: 'Memory' })).toHaveAttribute(
      'aria-valuetext',
      '2.5 GiB of 32 GiB',
    );
    expect(screen.getByRole('meter', { name: 'Disk' })).toHaveAttribute(
      'aria-valuetext',
      '15 GiB of 200 GiB',
    );
    expect(screen.getByText('7d 0h')).toBeInTheDocument();
    expect(screen.getByText('500.00 per month')).toBeInTheDocument();

    const members = screen.getByText('Members').closest('.bui-Card') as HTMLElement;
    expect(within(members).getAllByRole('row')).toHaveLength(3); // header + 2
    expect(within(members).getByText('alice')).toBeInTheDocument();
    expect(within(members).getByText('group')).toBeInTheDocument();

    const sandboxes = screen
      .getByText('Sandboxes', { selector: 'h3' })
      .closest('.bui-Card') as HTMLElement;
    expect(await within(sandboxes).findByRole('link', { name: 'my-box' })).toHaveAttribute(
      'href',
      '/sandboxes/sbx-my-box',
    );
    expect(api.listSandboxes).toHaveBeenCalledWith(
      expect.objectContaining({ workspace: 'ws-view' }),
    );
    expect(
      within(sandboxes).queryByRole('columnheader', { name: 'Workspace' }),
    ).not.toBeInTheDocument();

    const created = await screen.findByRole('img', { name: /^Sandboxes created: 90 in 30 days$/ });
    expect(created.querySelectorAll('rect')).toHaveLength(30);
    expect(
      screen.getByRole('img', { name: /^Running hours: 217.5 h in 30 days$/ }),
    ).toBeInTheDocument();
    expect(screen.getByRole('img', { name: /^Failures: 2 in 30 days$/ })).toBeInTheDocument();
    expect(api.getWorkspaceActivity).toHaveBeenCalledWith('ws-view', { days: 30 });
  });

  it('shows unlimited limits, overrides and the archived state', async () => {
    const workspace = makeWorkspaceDetails({
      name: 'ws-unlimited',
      plan: 'enterprise',
      archived: true,
      quota: makeQuota({
        plan: 'enterprise',
        limits: {
          maxSandboxes: 2,
          maxVcpus: null,
          maxMemoryMiB: 262144,
          maxDiskGiB: 2000,
          maxLifetimeSeconds: null,
          monthlyBudgetMinor: null,
        },
        overrides: { maxSandboxes: 2, maxVcpus: null, maxLifetimeSeconds: null },
      }),
    });
    render(workspace, undefined, DENY);

    expect(await screen.findByText('This workspace is archived')).toBeInTheDocument();
    expect(screen.getByText('archived')).toBeInTheDocument();
    expect(screen.getByRole('meter', { name: 'vCPU' })).toHaveAttribute(
      'aria-valuetext',
      '1.5 vCPU of unlimited',
    );
    expect(screen.getByRole('meter', { name: 'vCPU' })).not.toHaveAttribute('aria-valuemax');
    expect(screen.getByRole('meter', { name: 'Sandboxes' })).toHaveAttribute(
      'aria-valuetext',
      '2 of 2',
    );
    expect(screen.getAllByText(/\(override\)/)).toHaveLength(3);
    expect(screen.getAllByText('unlimited')).toHaveLength(2); // lifetime, budget
  });

  it('hides every management control without permission', async () => {
    const workspace = makeWorkspaceDetails({ name: 'ws-denied' });
    const permissionApi = jest.fn(() => DENY);
    render(workspace, undefined, permissionApi);
    expect(await screen.findByRole('heading', { name: 'Team ws-denied' })).toBeInTheDocument();
    await waitFor(() =>
      expect(permissionApi).toHaveBeenCalledWith(
        expect.objectContaining({
          permission: expect.objectContaining({ name: 'sandbox.workspace.manage' }),
          resourceRef: 'ws-denied',
        }),
      ),
    );
    await waitFor(() =>
      expect(permissionApi).toHaveBeenCalledWith(
        expect.objectContaining({
          permission: expect.objectContaining({ name: 'sandbox.quota.override' }),
          resourceRef: 'ws-denied',
        }),
      ),
    );
    await settle();
    for (const name of [
      'Edit',
      'Archive',
      'Edit quota overrides',
      'Add member',
      'Set up scheduled backups',
      'Create API key',
    ]) {
      expect(screen.queryByRole('button', { name })).not.toBeInTheDocument();
    }
    // The schedule is shown read-only; API keys are for workspace admins only.
    expect(screen.getByRole('heading', { name: 'Backup schedule' })).toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'API keys' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /^Remove / })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /^Role of / })).not.toBeInTheDocument();
    expect(screen.getByText('member')).toBeInTheDocument();
  });

  it('offers management but not the quota editor with only workspace.manage', async () => {
    const workspace = makeWorkspaceDetails({ name: 'ws-manage-only' });
    render(workspace, undefined, request =>
      request.permission.name === 'sandbox.workspace.manage' ? ALLOW : DENY,
    );
    expect(await screen.findByRole('button', { name: 'Archive' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Edit' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Add member' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Remove group:default/team-a' })).toBeInTheDocument();
    await settle();
    expect(screen.queryByRole('button', { name: 'Edit quota overrides' })).not.toBeInTheDocument();
    expect(
      await screen.findByRole('button', { name: 'Set up scheduled backups' }),
    ).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'API keys' })).toBeInTheDocument();
    expect(await screen.findByText('No API keys.')).toBeInTheDocument();
  });

  it('changes a member role with PUT on the URL-encoded entity ref', async () => {
    const workspace = makeWorkspaceDetails({ name: 'ws-role' });
    const fetchFn = jest.fn<Promise<Response>, Parameters<FetchApi['fetch']>>(async (url, init) => {
      const path = String(url).replace('http://backend.test/api/sandbox', '');
      const json = (body: unknown) =>
        new Response(JSON.stringify(body), {
          status: 200,
          headers: { 'Content-Type': 'application/json' },
        });
      if (init?.method === 'PUT') {
        return json({ ...workspace.members[1], role: 'admin' });
      }
      if (path === '/workspaces/ws-role') {
        return json(workspace);
      }
      if (path.startsWith('/workspaces/ws-role/activity')) {
        return json({ days: [] });
      }
      if (path.startsWith('/sandboxes')) {
        return json({ items: [], totalCount: 0 });
      }
      return json({ items: [] });
    });
    const client = new SandboxClient({
      discoveryApi: mockApis.discovery.mock({
        getBaseUrl: async pluginId => `http://backend.test/api/${pluginId}`,
      }),
      fetchApi: { fetch: fetchFn },
    });
    render(workspace, client);

    await userEvent.click(
      await screen.findByRole('button', { name: /Role of group:default\/team-a/ }),
    );
    await userEvent.click(await screen.findByRole('option', { name: 'admin' }));

    await waitFor(() =>
      expect(fetchFn).toHaveBeenCalledWith(
        'http://backend.test/api/sandbox/workspaces/ws-role/members/group%3Adefault%2Fteam-a',
        expect.objectContaining({ method: 'PUT', body: JSON.stringify({ role: 'admin' }) }),
      ),
    );
    // The page reloads the workspace after the change.
    await waitFor(() =>
      expect(
        fetchFn.mock.calls.filter(([url]) => String(url).endsWith('/workspaces/ws-role')),
      ).toHaveLength(2),
    );
  });

  it('removes a member after confirmation', async () => {
    const workspace = makeWorkspaceDetails({ name: 'ws-remove' });
    const api = apiFor(workspace, {
      removeWorkspaceMember: jest.fn().mockResolvedValue(undefined),
    });
    render(workspace, api);

    await userEvent.click(await screen.findByRole('button', { name: 'Remove user:default/alice' }));
    const dialog = await screen.findByRole('dialog');
    expect(
      within(dialog).getByText('Remove user:default/alice from ws-remove?'),
    ).toBeInTheDocument();
    expect(api.removeWorkspaceMember).not.toHaveBeenCalled();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Remove member' }));

    await waitFor(() =>
      expect(api.removeWorkspaceMember).toHaveBeenCalledWith('ws-remove', 'user:default/alice'),
    );
    await waitFor(() => expect(api.getWorkspace).toHaveBeenCalledTimes(2));
  });

  it('adds a member, checking the entity ref first', async () => {
    const workspace = makeWorkspaceDetails({ name: 'ws-add' });
    const api = apiFor(workspace, { setWorkspaceMember: jest.fn().mockResolvedValue({}) });
    render(workspace, api);

    const input = await screen.findByRole('textbox', { name: 'Add member' });
    await userEvent.type(input, 'bob');
    await userEvent.click(screen.getByRole('button', { name: 'Add member' }));
    expect(
      await screen.findByText(
        'Member: must be a user or group entity ref like group:default/team-a',
      ),
    ).toBeInTheDocument();
    expect(api.setWorkspaceMember).not.toHaveBeenCalled();

    await userEvent.clear(input);
    await userEvent.type(input, 'user:default/bob');
    await userEvent.click(screen.getByRole('button', { name: /^member Role$/ }));
    await userEvent.click(await screen.findByRole('option', { name: 'admin' }));
    await userEvent.click(screen.getByRole('button', { name: 'Add member' }));

    await waitFor(() =>
      expect(api.setWorkspaceMember).toHaveBeenCalledWith('ws-add', 'user:default/bob', 'admin'),
    );
    await waitFor(() => expect(input).toHaveValue(''));
  });

  it('shows the backend message when a member change is refused', async () => {
    const workspace = makeWorkspaceDetails({ name: 'ws-refused' });
    const api = apiFor(workspace, {
      setWorkspaceMember: jest
        .fn()
        .mockRejectedValue(
          await responseError(403, 'NotAllowedError', 'Only owners may make someone an owner'),
        ),
    });
    render(workspace, api);
    await userEvent.click(
      await screen.findByRole('button', { name: /Role of group:default\/team-a/ }),
    );
    await userEvent.click(await screen.findByRole('option', { name: 'owner' }));
    expect(
      await screen.findByText(
        'Could not change the role of group:default/team-a: Only owners may make someone an owner',
      ),
    ).toBeInTheDocument();
  });

  it('archives and unarchives after confirmation', async () => {
    const workspace = makeWorkspaceDetails({ name: 'ws-archive' });
    const archived = { ...workspace, archived: true };
    const api = apiFor(workspace, {
      getWorkspace: jest.fn().mockResolvedValueOnce(workspace).mockResolvedValue(archived),
      archiveWorkspace: jest.fn().mockResolvedValue(archived),
      unarchiveWorkspace: jest.fn().mockResolvedValue(workspace),
    });
    render(workspace, api);

    await userEvent.click(await screen.findByRole('button', { name: 'Archive' }));
    let dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText('Archive ws-archive?')).toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(api.archiveWorkspace).not.toHaveBeenCalled();

    await userEvent.click(screen.getByRole('button', { name: 'Archive' }));
    dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Archive workspace' }));
    await waitFor(() => expect(api.archiveWorkspace).toHaveBeenCalledWith('ws-archive'));
    expect(await screen.findByText('This workspace is archived')).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Unarchive' }));
    dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Unarchive workspace' }));
    await waitFor(() => expect(api.unarchiveWorkspace).toHaveBeenCalledWith('ws-archive'));
  });

  it('shows the backend message when archiving fails', async () => {
    const workspace = makeWorkspaceDetails({ name: 'ws-archive-fails' });
    const api = apiFor(workspace, {
      archiveWorkspace: jest
        .fn()
        .mockRejectedValue(
          await responseError(409, 'ConflictError', 'Workspace has 2 running sandboxes'),
        ),
    });
    render(workspace, api);
    await userEvent.click(await screen.findByRole('button', { name: 'Archive' }));
    await userEvent.click(
      within(await screen.findByRole('dialog')).getByRole('button', { name: 'Archive workspace' }),
    );
    expect(
      await screen.findByText(
        'Could not archive ws-archive-fails: Workspace has 2 running sandboxes',
      ),
    ).toBeInTheDocument();
  });

  it('edits the title and plan, sending only what changed', async () => {
    const workspace = makeWorkspaceDetails({ name: 'ws-edit' });
    const api = apiFor(workspace, {
      updateWorkspace: jest.fn().mockResolvedValue({ ...workspace, title: 'Renamed' }),
    });
    render(workspace, api);

    await userEvent.click(await screen.findByRole('button', { name: 'Edit' }));
    let dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(api.updateWorkspace).not.toHaveBeenCalled();

    await userEvent.click(screen.getByRole('button', { name: 'Edit' }));
    dialog = await screen.findByRole('dialog');
    const title = within(dialog).getByRole('textbox', { name: 'Title' });
    await userEvent.clear(title);
    await userEvent.type(title, 'Renamed');
    await userEvent.click(within(dialog).getByRole('button', { name: /Plan/ }));
    await userEvent.click(await screen.findByRole('option', { name: 'enterprise' }));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));

    await waitFor(() =>
      expect(api.updateWorkspace).toHaveBeenCalledWith('ws-edit', {
        title: 'Renamed',
        plan: 'enterprise',
      }),
    );
  });

  it('opens the quota editor on the current overrides and wants a number for an override', async () => {
    const workspace = makeWorkspaceDetails({
      name: 'ws-quota-draft',
      quota: makeQuota({ overrides: { maxDiskGiB: 300, monthlyBudgetMinor: null } }),
    });
    const api = apiFor(workspace);
    render(workspace, api);

    await userEvent.click(await screen.findByRole('button', { name: 'Edit quota overrides' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByRole('button', { name: /Disk$/ })).toHaveTextContent('Override');
    expect(within(dialog).getByRole('textbox', { name: 'Disk (GiB)' })).toHaveValue('300');
    expect(within(dialog).getByRole('button', { name: /Monthly budget$/ })).toHaveTextContent(
      'Unlimited',
    );
    expect(within(dialog).getByRole('button', { name: /Sandboxes$/ })).toHaveTextContent(
      'Plan default (20)',
    );

    await userEvent.click(within(dialog).getByRole('button', { name: /Sandboxes$/ }));
    await userEvent.click(await screen.findByRole('option', { name: 'Override' }));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save overrides' }));
    expect(
      await within(dialog).findByText('Sandboxes: enter a number or choose another option'),
    ).toBeInTheDocument();
    expect(api.setWorkspaceQuotaOverrides).not.toHaveBeenCalled();
  });

  it('sends the quota overrides the editor builds', async () => {
    const workspace = makeWorkspaceDetails({
      name: 'ws-quota',
      quota: makeQuota({ overrides: { maxDiskGiB: 300, monthlyBudgetMinor: null } }),
    });
    const api = apiFor(workspace, {
      setWorkspaceQuotaOverrides: jest.fn().mockResolvedValue(makeQuota()),
    });
    render(workspace, api);

    await userEvent.click(await screen.findByRole('button', { name: 'Edit quota overrides' }));
    const dialog = await screen.findByRole('dialog');
    const choose = async (field: RegExp, option: string) => {
      await userEvent.click(within(dialog).getByRole('button', { name: field }));
      await userEvent.click(await screen.findByRole('option', { name: option }));
    };
    await choose(/Sandboxes$/, 'Override');
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: 'Sandboxes (sandboxes)' }),
      '5',
    );
    await choose(/vCPU$/, 'Unlimited');
    await choose(/Sandbox lifetime$/, 'Override');
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: 'Sandbox lifetime (hours)' }),
      '12',
    );
    await choose(/Monthly budget$/, 'Override');
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: /Monthly budget \(/ }),
      '750.5',
    );
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save overrides' }));

    await waitFor(() =>
      expect(api.setWorkspaceQuotaOverrides).toHaveBeenCalledWith('ws-quota', {
        maxSandboxes: 5,
        maxVcpus: null,
        maxDiskGiB: 300,
        maxLifetimeSeconds: 43200,
        monthlyBudgetMinor: 75050,
      }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    await waitFor(() => expect(api.getWorkspace).toHaveBeenCalledTimes(2));
  });

  it('shows the quota conflict message of the backend in the editor', async () => {
    const workspace = makeWorkspaceDetails({ name: 'ws-quota-conflict' });
    const api = apiFor(workspace, {
      setWorkspaceQuotaOverrides: jest
        .fn()
        .mockRejectedValue(
          await responseError(
            409,
            'ConflictError',
            "Quota exceeded in workspace 'ws-quota-conflict': sandboxes 4 of 3",
          ),
        ),
    });
    render(workspace, api);
    await userEvent.click(await screen.findByRole('button', { name: 'Edit quota overrides' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save overrides' }));
    await waitFor(() =>
      expect(api.setWorkspaceQuotaOverrides).toHaveBeenCalledWith('ws-quota-conflict', {}),
    );
    expect(
      await within(dialog).findByText(
        "Quota exceeded in workspace 'ws-quota-conflict': sandboxes 4 of 3",
      ),
    ).toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
  });

  it('shows the backend message when the workspace cannot be loaded', async () => {
    const api = mockSandboxApi({
      getWorkspace: jest
        .fn()
        .mockRejectedValue(await responseError(404, 'NotFoundError', "No workspace 'ws-gone'")),
    });
    render(makeWorkspaceDetails({ name: 'ws-gone' }), api);
    expect(await screen.findByText("No workspace 'ws-gone'")).toBeInTheDocument();
    expect(screen.getByText('Could not load the workspace')).toBeInTheDocument();
  });

  it('shows the error when the activity cannot be loaded', async () => {
    const workspace = makeWorkspaceDetails({ name: 'ws-no-activity' });
    render(
      workspace,
      apiFor(workspace, {
        getWorkspaceActivity: jest.fn().mockRejectedValue(new Error('metrics unavailable')),
      }),
    );
    expect(await screen.findByText('metrics unavailable')).toBeInTheDocument();
    expect(screen.getByText('Could not load the activity')).toBeInTheDocument();
  });
});
