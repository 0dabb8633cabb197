import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { ResponseError } from '@backstage/errors';
import type { SandboxWithHistory } from '@internal/plugin-sandbox-common';
import { sandboxApiRef } from '../../api';
import { catalogEntityRouteRef, rootRouteRef, sandboxRouteRef } from '../../routes';
import { POLL_INTERVAL_MS } from '../../lib/format';
import {
  ALLOW,
  DENY,
  makeSandbox,
  makeSandboxWithHistory,
  mockSandboxApi,
} from '../../testUtils/fixtures';
import { SandboxDetailPage } from './SandboxDetailPage';

async function responseError(status: number, statusText: string, name: string, message: string) {
  return ResponseError.fromResponse(
    new Response(JSON.stringify({ error: { name, message }, response: { statusCode: status } }), {
      status,
      statusText,
      headers: { 'Content-Type': 'application/json' },
    }),
  );
}

function render(
  sandbox: SandboxWithHistory,
  api = mockSandboxApi({ getSandbox: jest.fn().mockResolvedValue(sandbox) }),
  permissionApi = mockApis.permission({ authorize: ALLOW }),
) {
  return {
    api,
    result: renderInTestApp(<SandboxDetailPage />, {
      apis: [[sandboxApiRef, api], permissionApi],
      mountPath: '/sandboxes/:id',
      initialRouteEntries: [`/sandboxes/${sandbox.id}`],
      mountedRoutes: {
        '/sandboxes': rootRouteRef,
        '/sandboxes/:id': sandboxRouteRef,
        '/catalog/:namespace/:kind/:name': catalogEntityRouteRef,
      },
    }),
  };
}

describe('SandboxDetailPage', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('shows the state, details, links, history and logs', async () => {
    const sandbox = makeSandboxWithHistory({
      id: 'sbx-details',
      size: { name: 'medium', cpus: 1, memoryMiB: 2048, diskGiB: 10, pids: 512 },
      repo: { url: 'https://github.com/example/app', ref: 'main' },
      labels: { team: 'platform' },
      ttlSeconds: 3600,
      expiresAt: new Date(Date.now() + 30.5 * 60_000).toISOString(),
    });
    const { api } = render(
      sandbox,
      mockSandboxApi({
        getSandbox: jest.fn().mockResolvedValue(sandbox),
        getLogs: jest.fn().mockResolvedValue('booting\nready on :8080'),
      }),
    );

    expect(await screen.findByRole('heading', { name: 'my-box' })).toBeInTheDocument();
    expect(api.getSandbox).toHaveBeenCalledWith('sbx-details');
    expect(screen.getAllByText('running').length).toBeGreaterThan(0);
    expect(screen.getByText('medium')).toBeInTheDocument();
    expect(screen.getByText('2 GiB')).toBeInTheDocument();
    expect(screen.getByText('10 GiB')).toBeInTheDocument();
    expect(screen.getByText('ghcr.io/example/node:22')).toBeInTheDocument();
    expect(screen.getByText('https://github.com/example/app @ main')).toBeInTheDocument();
    expect(screen.getByText('team=platform')).toBeInTheDocument();
    expect(screen.getByText(/^30m \(expires /)).toBeInTheDocument();

    expect(screen.getByRole('link', { name: 'Open in VS Code' })).toHaveAttribute(
      'href',
      sandbox.links.vscode,
    );
    expect(screen.getByRole('link', { name: 'Open in JetBrains Gateway' })).toHaveAttribute(
      'href',
      sandbox.links.jetbrainsGateway,
    );
    expect(screen.getByRole('link', { name: 'Catalog entity' })).toHaveAttribute(
      'href',
      '/catalog/team-a/resource/sandbox-my-box',
    );

    const history = screen.getByText('State history').closest('.bui-Card') as HTMLElement;
    expect(within(history).getAllByRole('row')).toHaveLength(4); // header + 3 transitions
    expect(within(history).getAllByText('provisioning')).toHaveLength(2); // from + to

    expect(await screen.findByTestId('sandbox-logs')).toHaveTextContent('ready on :8080');
    expect(api.getLogs).toHaveBeenCalledWith('sbx-details', { tail: 200 });
    await userEvent.click(screen.getByRole('button', { name: 'Refresh logs' }));
    await waitFor(() => expect(api.getLogs).toHaveBeenCalledTimes(2));
  });

  it('shows why a sandbox failed', async () => {
    render(
      makeSandboxWithHistory({
        id: 'sbx-failed',
        state: 'failed',
        reason: 'image pull failed: not found',
      }),
    );
    expect(await screen.findByText('This sandbox failed')).toBeInTheDocument();
    expect(screen.getByText('image pull failed: not found')).toBeInTheDocument();
  });

  it('stops the sandbox after confirmation', async () => {
    const sandbox = makeSandboxWithHistory({ id: 'sbx-stop' });
    const api = mockSandboxApi({
      getSandbox: jest
        .fn()
        .mockResolvedValueOnce(sandbox)
        .mockResolvedValue({ ...sandbox, state: 'stopping' }),
      stopSandbox: jest.fn().mockResolvedValue(makeSandbox({ id: 'sbx-stop', state: 'stopping' })),
    });
    render(sandbox, api);

    const stop = await screen.findByRole('button', { name: 'Stop' });
    await waitFor(() => expect(stop).toBeEnabled());
    expect(screen.getByRole('button', { name: 'Start' })).toBeDisabled();

    await userEvent.click(stop);
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText('Stop my-box?')).toBeInTheDocument();
    expect(api.stopSandbox).not.toHaveBeenCalled();

    await userEvent.click(within(dialog).getByRole('button', { name: 'Stop sandbox' }));
    await waitFor(() => expect(api.stopSandbox).toHaveBeenCalledWith('sbx-stop'));
    await waitFor(() => expect(api.getSandbox).toHaveBeenCalledTimes(2));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Stop' })).toBeDisabled());
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('does nothing when the confirmation is cancelled', async () => {
    const { api } = render(makeSandboxWithHistory({ id: 'sbx-cancel' }));
    const del = await screen.findByRole('button', { name: 'Delete' });
    await waitFor(() => expect(del).toBeEnabled());
    await userEvent.click(del);
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());

    await userEvent.click(screen.getByRole('button', { name: 'Stop' }));
    await screen.findByRole('dialog');
    await userEvent.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());

    expect(api.deleteSandbox).not.toHaveBeenCalled();
    expect(api.stopSandbox).not.toHaveBeenCalled();
  });

  it('deletes the sandbox after confirmation', async () => {
    const sandbox = makeSandboxWithHistory({ id: 'sbx-delete', state: 'stopped' });
    const api = mockSandboxApi({
      getSandbox: jest
        .fn()
        .mockResolvedValueOnce(sandbox)
        .mockResolvedValue({ ...sandbox, state: 'deleting' }),
      deleteSandbox: jest.fn().mockResolvedValue({ ...sandbox, state: 'deleting' }),
    });
    render(sandbox, api);

    const del = await screen.findByRole('button', { name: 'Delete' });
    await waitFor(() => expect(del).toBeEnabled());
    await userEvent.click(del);
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText('Delete my-box?')).toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Delete sandbox' }));

    await waitFor(() => expect(api.deleteSandbox).toHaveBeenCalledWith('sbx-delete'));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Delete' })).toBeDisabled());
  });

  it('starts a stopped sandbox without confirmation', async () => {
    const sandbox = makeSandboxWithHistory({ id: 'sbx-start', state: 'stopped' });
    const api = mockSandboxApi({
      getSandbox: jest.fn().mockResolvedValue(sandbox),
      startSandbox: jest.fn().mockResolvedValue({ ...sandbox, state: 'provisioning' }),
    });
    render(sandbox, api);

    const start = await screen.findByRole('button', { name: 'Start' });
    await waitFor(() => expect(start).toBeEnabled());
    expect(screen.getByRole('button', { name: 'Stop' })).toBeDisabled();
    await userEvent.click(start);
    await waitFor(() => expect(api.startSandbox).toHaveBeenCalledWith('sbx-start'));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('shows the backend message when an action fails', async () => {
    const sandbox = makeSandboxWithHistory({ id: 'sbx-conflict', state: 'stopped' });
    const api = mockSandboxApi({
      getSandbox: jest.fn().mockResolvedValue(sandbox),
      startSandbox: jest
        .fn()
        .mockRejectedValue(
          await responseError(409, 'Conflict', 'ConflictError', 'Quota exceeded for team-a'),
        ),
    });
    render(sandbox, api);
    const start = await screen.findByRole('button', { name: 'Start' });
    await waitFor(() => expect(start).toBeEnabled());
    await userEvent.click(start);
    expect(
      await screen.findByText('Could not start my-box: Quota exceeded for team-a'),
    ).toBeInTheDocument();
  });

  it('hides the buttons when the user lacks permission', async () => {
    const permissionApi = mockApis.permission.mock({
      authorize: jest.fn(async () => ({ result: DENY })),
    });
    const { api } = render(
      makeSandboxWithHistory({ id: 'sbx-denied', state: 'stopped' }),
      undefined,
      permissionApi,
    );
    expect(await screen.findByRole('heading', { name: 'my-box' })).toBeInTheDocument();
    await waitFor(() =>
      expect(permissionApi.authorize).toHaveBeenCalledWith(
        expect.objectContaining({
          permission: expect.objectContaining({ name: 'sandbox.update' }),
          resourceRef: 'sbx-denied',
        }),
      ),
    );
    await waitFor(() =>
      expect(permissionApi.authorize).toHaveBeenCalledWith(
        expect.objectContaining({
          permission: expect.objectContaining({ name: 'sandbox.delete' }),
          resourceRef: 'sbx-denied',
        }),
      ),
    );
    await act(async () => {
      await new Promise(resolve => setTimeout(resolve, 20));
    });
    expect(screen.queryByRole('button', { name: 'Start' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Stop' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Delete' })).not.toBeInTheDocument();
    expect(api.getSandbox).toHaveBeenCalledWith('sbx-denied');
  });

  it('polls while the sandbox is changing state', async () => {
    jest.useFakeTimers({ advanceTimers: true });
    const sandbox = makeSandboxWithHistory({ id: 'sbx-poll', state: 'provisioning' });
    const api = mockSandboxApi({
      getSandbox: jest
        .fn()
        .mockResolvedValueOnce(sandbox)
        .mockResolvedValue({ ...sandbox, state: 'running' }),
    });
    render(sandbox, api);
    expect(await screen.findByRole('heading', { name: 'my-box' })).toBeInTheDocument();
    await act(async () => {
      jest.advanceTimersByTime(POLL_INTERVAL_MS);
    });
    await waitFor(() => expect(api.getSandbox).toHaveBeenCalledTimes(2));
    await act(async () => {
      jest.advanceTimersByTime(POLL_INTERVAL_MS * 3);
    });
    expect(api.getSandbox).toHaveBeenCalledTimes(2);
  });

  it('pauses a running sandbox and resumes a paused one', async () => {
    const sandbox = makeSandboxWithHistory({ id: 'sbx-pause', state: 'running' });
    const paused = { ...sandbox, state: 'paused' as const };
    const api = mockSandboxApi({
      getSandbox: jest.fn().mockResolvedValueOnce(sandbox).mockResolvedValue(paused),
      pauseSandbox: jest.fn().mockResolvedValue(paused),
      resumeSandbox: jest.fn().mockResolvedValue({ ...sandbox, state: 'running' }),
    });
    render(sandbox, api);

    const pause = await screen.findByRole('button', { name: 'Pause' });
    await waitFor(() => expect(pause).toBeEnabled());
    expect(screen.queryByRole('button', { name: 'Resume' })).not.toBeInTheDocument();
    await userEvent.click(pause);
    await waitFor(() => expect(api.pauseSandbox).toHaveBeenCalledWith('sbx-pause'));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();

    const resume = await screen.findByRole('button', { name: 'Resume' });
    expect(screen.queryByRole('button', { name: 'Pause' })).not.toBeInTheDocument();
    expect(screen.getAllByText('paused').length).toBeGreaterThan(0);
    // A paused sandbox can still be stopped; it has no ports to preview.
    expect(screen.getByRole('button', { name: 'Stop' })).toBeEnabled();
    expect(screen.queryByRole('heading', { name: 'Ports' })).not.toBeInTheDocument();
    await userEvent.click(resume);
    await waitFor(() => expect(api.resumeSandbox).toHaveBeenCalledWith('sbx-pause'));
  });

  it('disables Pause while the sandbox is not running', async () => {
    const stopped = makeSandboxWithHistory({ id: 'sbx-nopause', state: 'stopped' });
    render(stopped);
    const pause = await screen.findByRole('button', { name: 'Pause' });
    await waitFor(() => expect(screen.getByRole('button', { name: 'Start' })).toBeEnabled());
    expect(pause).toBeDisabled();
  });

  it('shows the backend message when resuming fails', async () => {
    const sandbox = makeSandboxWithHistory({ id: 'sbx-resume-fail', state: 'paused' });
    const api = mockSandboxApi({
      getSandbox: jest.fn().mockResolvedValue(sandbox),
      resumeSandbox: jest
        .fn()
        .mockRejectedValue(
          await responseError(409, 'Conflict', 'ConflictError', "Sandbox 'my-box' is resuming"),
        ),
    });
    render(sandbox, api);
    const resume = await screen.findByRole('button', { name: 'Resume' });
    await waitFor(() => expect(resume).toBeEnabled());
    await userEvent.click(resume);
    expect(
      await screen.findByText("Could not resume my-box: Sandbox 'my-box' is resuming"),
    ).toBeInTheDocument();
  });

  it('polls while the sandbox is pausing', async () => {
    jest.useFakeTimers({ advanceTimers: true });
    const sandbox = makeSandboxWithHistory({ id: 'sbx-pausing', state: 'pausing' });
    const api = mockSandboxApi({
      getSandbox: jest
        .fn()
        .mockResolvedValueOnce(sandbox)
        .mockResolvedValue({ ...sandbox, state: 'paused' }),
    });
    render(sandbox, api);
    expect(await screen.findByRole('heading', { name: 'my-box' })).toBeInTheDocument();
    await act(async () => {
      jest.advanceTimersByTime(POLL_INTERVAL_MS);
    });
    await waitFor(() => expect(api.getSandbox).toHaveBeenCalledTimes(2));
    await act(async () => {
      jest.advanceTimersByTime(POLL_INTERVAL_MS * 3);
    });
    expect(api.getSandbox).toHaveBeenCalledTimes(2);
  });

  it('shows the ports and backups cards of a running sandbox', async () => {
    const sandbox = makeSandboxWithHistory({ id: 'sbx-cards', state: 'running' });
    const api = mockSandboxApi({
      getSandbox: jest.fn().mockResolvedValue(sandbox),
      listPorts: jest
        .fn()
        .mockResolvedValue([{ port: 8080, url: 'http://backend.test/p/8080/' }]),
    });
    render(sandbox, api);
    expect(
      await screen.findByRole('link', { name: 'Open preview of port 8080' }),
    ).toBeInTheDocument();
    expect(await screen.findByText('No backups of this sandbox yet.')).toBeInTheDocument();
    expect(api.listBackups).toHaveBeenCalledWith('sbx-cards');
  });

  it('shows the backend message when the sandbox cannot be loaded', async () => {
    const api = mockSandboxApi({
      getSandbox: jest
        .fn()
        .mockRejectedValue(
          await responseError(404, 'Not Found', 'NotFoundError', "No sandbox with id 'sbx-gone'"),
        ),
    });
    render(makeSandboxWithHistory({ id: 'sbx-gone' }), api);
    expect(await screen.findByText("No sandbox with id 'sbx-gone'")).toBeInTheDocument();
    expect(screen.getByText('Could not load the sandbox')).toBeInTheDocument();
  });
});
