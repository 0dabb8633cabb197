import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { sandboxApiRef } from '../../api';
import { workspaceRouteRef } from '../../routes';
import {
  ALLOW,
  makeWorkspace,
  makeWorkspaceDetails,
  mockSandboxApi,
  responseError,
} from '../../testUtils/fixtures';
import { WorkspacesPage } from './WorkspacesPage';

// Denied `sandbox.workspace.create` is tested in WorkspacesPage.denied.test.tsx:
// usePermission caches decisions per permission for the whole test file.
// react-aria selects and dialogs are slow in jsdom, the more so under coverage.
jest.setTimeout(20_000);

function render(api: ReturnType<typeof mockSandboxApi>) {
  const permissionApi = mockApis.permission.mock({
    authorize: jest.fn(async () => ({ result: ALLOW })),
  });
  const result = renderInTestApp(<WorkspacesPage />, {
    apis: [[sandboxApiRef, api], permissionApi],
    mountPath: '/workspaces',
    initialRouteEntries: ['/workspaces'],
    mountedRoutes: { '/workspaces/:name': workspaceRouteRef },
  });
  return { permissionApi, result };
}

describe('WorkspacesPage', () => {
  it('lists the workspaces with plan, my role and status', async () => {
    const api = mockSandboxApi({
      listWorkspaces: jest.fn().mockResolvedValue([
        makeWorkspace({ backingGroup: 'group:default/team-a' }),
        makeWorkspace({
          name: 'old-ws',
          title: 'Old',
          plan: 'free',
          archived: true,
          myRole: undefined,
        }),
      ]),
    });
    const { permissionApi } = render(api);

    const link = await screen.findByRole('link', { name: 'team-a' });
    expect(link).toHaveAttribute('href', '/workspaces/team-a');
    const row = link.closest('tr')!;
    expect(within(row).getByText('Team team-a')).toBeInTheDocument();
    expect(within(row).getByText('team')).toBeInTheDocument();
    expect(within(row).getByText('owner')).toBeInTheDocument();
    expect(within(row).getByText('active')).toBeInTheDocument();

    const old = screen.getByRole('link', { name: 'old-ws' }).closest('tr')!;
    expect(within(old).getByText('free')).toBeInTheDocument();
    expect(within(old).getByText('archived')).toBeInTheDocument();
    expect(within(old).getAllByText('—')).toHaveLength(2); // no role, no backing group

    expect(await screen.findByRole('button', { name: 'Create workspace' })).toBeInTheDocument();
    expect(permissionApi.authorize).toHaveBeenCalledWith(
      expect.objectContaining({
        permission: expect.objectContaining({ name: 'sandbox.workspace.create' }),
      }),
    );
  });

  it('says so when there are no workspaces', async () => {
    render(mockSandboxApi());
    expect(
      await screen.findByText('You are not a member of any workspace yet.'),
    ).toBeInTheDocument();
  });

  it('creates a workspace with the entered fields and opens it', async () => {
    const api = mockSandboxApi({
      createWorkspace: jest.fn().mockResolvedValue(makeWorkspaceDetails({ name: 'new-ws' })),
    });
    render(api);
    await userEvent.click(await screen.findByRole('button', { name: 'Create workspace' }));
    const dialog = await screen.findByRole('dialog');

    await userEvent.type(within(dialog).getByRole('textbox', { name: /Name/ }), 'new-ws');
    await userEvent.type(within(dialog).getByRole('textbox', { name: 'Title' }), 'New workspace');
    await userEvent.click(within(dialog).getByRole('button', { name: /Plan/ }));
    await userEvent.click(await screen.findByRole('option', { name: 'enterprise' }));
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: /Backing group/ }),
      'group:default/team-a',
    );
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create' }));

    await waitFor(() =>
      expect(api.createWorkspace).toHaveBeenCalledWith({
        name: 'new-ws',
        title: 'New workspace',
        plan: 'enterprise',
        backingGroup: 'group:default/team-a',
      }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    // That it then opens /workspaces/new-ws is tested with the whole plugin (alpha/plugin.test.tsx).
  });

  it('leaves out empty optional fields and defaults the plan to free', async () => {
    const api = mockSandboxApi({
      createWorkspace: jest.fn().mockResolvedValue(makeWorkspaceDetails({ name: 'mini' })),
    });
    render(api);
    await userEvent.click(await screen.findByRole('button', { name: 'Create workspace' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(within(dialog).getByRole('textbox', { name: /Name/ }), 'mini');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create' }));
    await waitFor(() =>
      expect(api.createWorkspace).toHaveBeenCalledWith({ name: 'mini', plan: 'free' }),
    );
  });

  it('checks the fields before posting', async () => {
    const api = mockSandboxApi();
    render(api);
    await userEvent.click(await screen.findByRole('button', { name: 'Create workspace' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(within(dialog).getByRole('textbox', { name: /Name/ }), 'Bad Name');
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: /Backing group/ }),
      'user:default/alice',
    );
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create' }));

    expect(
      await within(dialog).findByText(/name: must be a lowercase DNS label/),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByText(/backingGroup: must be a group entity ref/),
    ).toBeInTheDocument();
    expect(api.createWorkspace).not.toHaveBeenCalled();
  });

  it('shows the backend message when creating fails, and cancels cleanly', async () => {
    const api = mockSandboxApi({
      createWorkspace: jest
        .fn()
        .mockRejectedValue(
          await responseError(409, 'ConflictError', "Workspace 'team-a' already exists"),
        ),
    });
    render(api);
    await userEvent.click(await screen.findByRole('button', { name: 'Create workspace' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(within(dialog).getByRole('textbox', { name: /Name/ }), 'team-a');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create' }));
    expect(
      await within(dialog).findByText("Workspace 'team-a' already exists"),
    ).toBeInTheDocument();

    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    await userEvent.click(screen.getByRole('button', { name: 'Create workspace' }));
    expect(
      within(await screen.findByRole('dialog')).getByRole('textbox', { name: /Name/ }),
    ).toHaveValue('');
  });

  it('shows the error when the workspaces cannot be loaded', async () => {
    render(
      mockSandboxApi({
        listWorkspaces: jest
          .fn()
          .mockRejectedValue(await responseError(500, 'Error', 'database is down')),
      }),
    );
    expect(await screen.findByText('database is down')).toBeInTheDocument();
    expect(screen.getByText('Could not load workspaces')).toBeInTheDocument();
  });
});
