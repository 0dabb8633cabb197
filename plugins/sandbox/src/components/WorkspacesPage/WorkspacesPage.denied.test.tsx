import { act, screen, waitFor } from '@testing-library/react';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { sandboxApiRef } from '../../api';
import { workspaceRouteRef } from '../../routes';
import { DENY, makeWorkspace, mockSandboxApi } from '../../testUtils/fixtures';
import { WorkspacesPage } from './WorkspacesPage';

describe('WorkspacesPage without sandbox.workspace.create', () => {
  it('lists the workspaces but offers no create button', async () => {
    const permissionApi = mockApis.permission.mock({
      authorize: jest.fn(async () => ({ result: DENY })),
    });
    renderInTestApp(<WorkspacesPage />, {
      apis: [
        [
          sandboxApiRef,
          mockSandboxApi({ listWorkspaces: jest.fn().mockResolvedValue([makeWorkspace()]) }),
        ],
        permissionApi,
      ],
      mountedRoutes: { '/workspaces/:name': workspaceRouteRef },
    });
    expect(await screen.findByRole('link', { name: 'team-a' })).toBeInTheDocument();
    await waitFor(() => expect(permissionApi.authorize).toHaveBeenCalled());
    await act(async () => {
      await new Promise(resolve => setTimeout(resolve, 20));
    });
    expect(screen.queryByRole('button', { name: 'Create workspace' })).not.toBeInTheDocument();
  });
});
