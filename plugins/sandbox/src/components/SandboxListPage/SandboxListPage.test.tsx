import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { ResponseError } from '@backstage/errors';
import { sandboxApiRef } from '../../api';
import { sandboxRouteRef } from '../../routes';
import { POLL_INTERVAL_MS } from '../../lib/format';
import { ALLOW, makeSandbox, makeWorkspace, mockSandboxApi } from '../../testUtils/fixtures';
import { SandboxListPage } from './SandboxListPage';
import { PAGE_SIZE } from './SandboxTable';

function render(
  api: ReturnType<typeof mockSandboxApi>,
  url = '/sandboxes',
  permissionApi = mockApis.permission({ authorize: ALLOW }),
) {
  return renderInTestApp(<SandboxListPage />, {
    apis: [[sandboxApiRef, api], permissionApi],
    mountPath: '/sandboxes',
    initialRouteEntries: [url],
    mountedRoutes: { '/sandboxes/:id': sandboxRouteRef },
  });
}

describe('SandboxListPage', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('renders one row per sandbox with its details', async () => {
    const api = mockSandboxApi({
      listSandboxes: jest.fn().mockResolvedValue({
        items: [
          makeSandbox({
            createdAt: new Date(Date.now() - 90.5 * 60_000).toISOString(),
            ttlSeconds: 4 * 3600,
            expiresAt: new Date(Date.now() + 150.5 * 60_000).toISOString(),
          }),
          makeSandbox({ name: 'broken', workspace: 'team-b', state: 'failed', template: 'python' }),
        ],
        totalCount: 2,
      }),
    });
    await render(api);

    const link = await screen.findByRole('link', { name: 'my-box' });
    expect(link).toHaveAttribute('href', '/sandboxes/sbx-my-box');
    const row = link.closest('tr')!;
    expect(within(row).getByText('team-a')).toBeInTheDocument();
    expect(within(row).getByText('alice')).toBeInTheDocument();
    expect(within(row).getByText('node')).toBeInTheDocument();
    expect(within(row).getByText('running')).toBeInTheDocument();
    expect(within(row).getByText('small')).toBeInTheDocument();
    expect(within(row).getByText('0.5 vCPU, 512 MiB')).toBeInTheDocument();
    expect(within(row).getByText('1h 30m')).toBeInTheDocument(); // age
    expect(within(row).getByText('2h 30m')).toBeInTheDocument(); // TTL remaining

    const other = screen.getByRole('link', { name: 'broken' }).closest('tr')!;
    expect(within(other).getByText('failed')).toBeInTheDocument();
    expect(within(other).getByText('python')).toBeInTheDocument();
    expect(within(other).getByText('no TTL')).toBeInTheDocument();

    expect(api.listSandboxes).toHaveBeenCalledWith({
      workspace: undefined,
      state: undefined,
      limit: PAGE_SIZE,
      cursor: undefined,
    });
    expect(screen.getByText('1 - 2 of 2')).toBeInTheDocument();
  });

  it('reads the filters from the URL', async () => {
    const api = mockSandboxApi({
      listSandboxes: jest.fn().mockResolvedValue({ items: [], totalCount: 0 }),
      listWorkspaces: jest.fn().mockResolvedValue([makeWorkspace({ name: 'team-b' })]),
    });
    await render(api, '/sandboxes?workspace=team-b&state=stopped');

    expect(await screen.findByText('No sandboxes match these filters.')).toBeInTheDocument();
    expect(api.listSandboxes).toHaveBeenCalledWith(
      expect.objectContaining({ workspace: 'team-b', state: 'stopped' }),
    );
    await waitFor(() =>
      expect(screen.getByRole('button', { name: /Workspace/ })).toHaveTextContent(
        'Team team-b (team-b)',
      ),
    );
  });

  it('keeps a workspace from the URL that the list does not know', async () => {
    const api = mockSandboxApi({
      listSandboxes: jest.fn().mockResolvedValue({ items: [], totalCount: 0 }),
      listWorkspaces: jest.fn().mockRejectedValue(new Error('workspaces down')),
    });
    await render(api, '/sandboxes?workspace=gone');
    expect(await screen.findByText('Could not load workspaces: workspaces down')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /Workspace/ })).toHaveTextContent('gone');
  });

  it('filters by state and by a workspace from GET /workspaces', async () => {
    const api = mockSandboxApi({
      listSandboxes: jest.fn().mockResolvedValue({ items: [makeSandbox()], totalCount: 1 }),
      listWorkspaces: jest
        .fn()
        .mockResolvedValue([makeWorkspace(), makeWorkspace({ name: 'team-z', title: 'team-z' })]),
    });
    await render(api);
    await screen.findByRole('link', { name: 'my-box' });

    await userEvent.click(screen.getByRole('button', { name: /State/ }));
    await userEvent.click(await screen.findByRole('option', { name: 'failed' }));
    await waitFor(() =>
      expect(api.listSandboxes).toHaveBeenLastCalledWith(
        expect.objectContaining({ state: 'failed', workspace: undefined }),
      ),
    );

    await userEvent.click(screen.getByRole('button', { name: /Workspace/ }));
    await userEvent.click(await screen.findByRole('option', { name: 'team-z' }));
    await waitFor(() =>
      expect(api.listSandboxes).toHaveBeenLastCalledWith(
        expect.objectContaining({ state: 'failed', workspace: 'team-z' }),
      ),
    );

    await userEvent.click(screen.getByRole('button', { name: /Workspace/ }));
    await userEvent.click(await screen.findByRole('option', { name: 'All workspaces' }));
    await waitFor(() =>
      expect(api.listSandboxes).toHaveBeenLastCalledWith(
        expect.objectContaining({ state: 'failed', workspace: undefined }),
      ),
    );
  });

  it('pages with the cursor', async () => {
    const page1 = { items: [makeSandbox({ name: 'first' })], totalCount: 2, nextCursor: 'cursor-2' };
    const page2 = { items: [makeSandbox({ name: 'second' })], totalCount: 2 };
    const api = mockSandboxApi({
      listSandboxes: jest.fn(async query => (query?.cursor === 'cursor-2' ? page2 : page1)),
    });
    await render(api);
    await screen.findByRole('link', { name: 'first' });

    await userEvent.click(screen.getByRole('button', { name: 'Next table page' }));
    expect(await screen.findByRole('link', { name: 'second' })).toBeInTheDocument();
    expect(api.listSandboxes).toHaveBeenLastCalledWith(
      expect.objectContaining({ cursor: 'cursor-2' }),
    );
    expect(screen.getByRole('button', { name: 'Next table page' })).toBeDisabled();

    await userEvent.click(screen.getByRole('button', { name: 'Previous table page' }));
    expect(await screen.findByRole('link', { name: 'first' })).toBeInTheDocument();
    expect(api.listSandboxes).toHaveBeenLastCalledWith(
      expect.objectContaining({ cursor: undefined }),
    );
  });

  it('refreshes while a sandbox is in a transitional state, and stops once all settled', async () => {
    jest.useFakeTimers({ advanceTimers: true });
    const api = mockSandboxApi({
      listSandboxes: jest
        .fn()
        .mockResolvedValueOnce({ items: [makeSandbox({ state: 'provisioning' })], totalCount: 1 })
        .mockResolvedValue({ items: [makeSandbox({ state: 'running' })], totalCount: 1 }),
    });
    await render(api);
    const row = (await screen.findByRole('link', { name: 'my-box' })).closest('tr')!;
    expect(within(row).getByText('provisioning')).toBeInTheDocument();
    expect(screen.getByText(/Refreshing while sandboxes change state/)).toBeInTheDocument();
    expect(api.listSandboxes).toHaveBeenCalledTimes(1);

    await act(async () => {
      jest.advanceTimersByTime(POLL_INTERVAL_MS);
    });
    await waitFor(() =>
      expect(
        within(screen.getByRole('link', { name: 'my-box' }).closest('tr')!).getByText('running'),
      ).toBeInTheDocument(),
    );
    expect(api.listSandboxes).toHaveBeenCalledTimes(2);
    expect(screen.queryByText(/Refreshing while sandboxes change state/)).not.toBeInTheDocument();

    await act(async () => {
      jest.advanceTimersByTime(POLL_INTERVAL_MS * 3);
    });
    expect(api.listSandboxes).toHaveBeenCalledTimes(2);
  });

  it('shows the backend error message', async () => {
    const error = await ResponseError.fromResponse(
      new Response(
        JSON.stringify({
          error: { name: 'InputError', message: 'workspace: must be a lowercase DNS label' },
          response: { statusCode: 400 },
        }),
        { status: 400, statusText: 'Bad Request', headers: { 'Content-Type': 'application/json' } },
      ),
    );
    const api = mockSandboxApi({ listSandboxes: jest.fn().mockRejectedValue(error) });
    await render(api);
    expect(await screen.findByText('workspace: must be a lowercase DNS label')).toBeInTheDocument();
    expect(screen.getByText('Could not load sandboxes')).toBeInTheDocument();
  });
});
