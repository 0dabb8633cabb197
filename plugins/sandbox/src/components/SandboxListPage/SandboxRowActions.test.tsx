import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import type { Sandbox } from '@internal/plugin-sandbox-common';
import { SANDBOX_SIZES } from '@internal/plugin-sandbox-common';
import { sandboxApiRef } from '../../api';
import { sandboxRouteRef } from '../../routes';
import { ALLOW, DENY, makeSandbox, mockSandboxApi, responseError } from '../../testUtils/fixtures';
import { SandboxTable } from './SandboxTable';

// usePermission caches decisions per (permission, sandbox id) for the whole file,
// so every test uses its own sandbox names.

// react-aria selects and dialogs are slow in jsdom, the more so under coverage.
jest.setTimeout(20_000);

function render(
  sandboxes: Sandbox[],
  partial: Parameters<typeof mockSandboxApi>[0] = {},
  authorize: Parameters<typeof mockApis.permission>[0] = { authorize: ALLOW },
) {
  const api = mockSandboxApi({
    listSandboxes: jest.fn().mockResolvedValue({ items: sandboxes, totalCount: sandboxes.length }),
    ...partial,
  });
  renderInTestApp(<SandboxTable />, {
    apis: [[sandboxApiRef, api], mockApis.permission(authorize)],
    mountedRoutes: { '/sandboxes/:id': sandboxRouteRef },
  });
  return api;
}

async function rowOf(name: string) {
  return (await screen.findByRole('link', { name })).closest('tr')! as HTMLElement;
}

describe('SandboxRowActions', () => {
  it('offers what the state allows: Stop and Delete when running; Start, Resize and Delete when stopped', async () => {
    render([
      makeSandbox({ name: 'run-1', state: 'running' }),
      makeSandbox({ name: 'stop-1', state: 'stopped' }),
      makeSandbox({ name: 'gone-1', state: 'deleting' }),
    ]);
    const running = await rowOf('run-1');
    expect(await within(running).findByRole('button', { name: 'Stop run-1' })).toBeInTheDocument();
    expect(within(running).getByRole('button', { name: 'Delete run-1' })).toBeInTheDocument();
    expect(within(running).queryByRole('button', { name: 'Start run-1' })).not.toBeInTheDocument();
    expect(within(running).queryByRole('button', { name: 'Resize run-1' })).not.toBeInTheDocument();

    const stopped = await rowOf('stop-1');
    expect(within(stopped).getByRole('button', { name: 'Start stop-1' })).toBeInTheDocument();
    expect(within(stopped).getByRole('button', { name: 'Resize stop-1' })).toBeInTheDocument();
    expect(within(stopped).getByRole('button', { name: 'Delete stop-1' })).toBeInTheDocument();

    const deleting = await rowOf('gone-1');
    expect(within(deleting).queryAllByRole('button')).toHaveLength(0);
  });

  it('hides the actions the user may not do, per sandbox', async () => {
    const authorize = jest.fn(({ permission, resourceRef }: any) => {
      if (resourceRef === 'sbx-mine-2') return ALLOW;
      return permission.name === 'sandbox.delete' ? ALLOW : DENY;
    });
    render(
      [
        makeSandbox({ name: 'mine-2', state: 'stopped' }),
        makeSandbox({ name: 'theirs-2', state: 'stopped' }),
      ],
      {},
      { authorize },
    );
    const mine = await rowOf('mine-2');
    expect(await within(mine).findByRole('button', { name: 'Start mine-2' })).toBeInTheDocument();
    const theirs = await rowOf('theirs-2');
    expect(
      await within(theirs).findByRole('button', { name: 'Delete theirs-2' }),
    ).toBeInTheDocument();
    expect(
      within(theirs).queryByRole('button', { name: 'Start theirs-2' }),
    ).not.toBeInTheDocument();
    expect(
      within(theirs).queryByRole('button', { name: 'Resize theirs-2' }),
    ).not.toBeInTheDocument();
    expect(authorize).toHaveBeenCalledWith(
      expect.objectContaining({
        permission: expect.objectContaining({ name: 'sandbox.update' }),
        resourceRef: 'sbx-theirs-2',
      }),
    );
  });

  it('shows no actions without any permission', async () => {
    render([makeSandbox({ name: 'none-3', state: 'stopped' })], {}, { authorize: DENY });
    const row = await rowOf('none-3');
    await act(async () => {
      await new Promise(resolve => setTimeout(resolve, 20));
    });
    expect(within(row).queryAllByRole('button')).toHaveLength(0);
  });

  it('starts at once and stops after confirmation, then reloads', async () => {
    const api = render(
      [makeSandbox({ name: 'go-4', state: 'stopped' }), makeSandbox({ name: 'halt-4' })],
      {
        startSandbox: jest
          .fn()
          .mockResolvedValue(makeSandbox({ name: 'go-4', state: 'provisioning' })),
        stopSandbox: jest
          .fn()
          .mockResolvedValue(makeSandbox({ name: 'halt-4', state: 'stopping' })),
      },
    );
    await userEvent.click(await screen.findByRole('button', { name: 'Start go-4' }));
    await waitFor(() => expect(api.startSandbox).toHaveBeenCalledWith('sbx-go-4'));
    await waitFor(() => expect(api.listSandboxes).toHaveBeenCalledTimes(2));

    await userEvent.click(screen.getByRole('button', { name: 'Stop halt-4' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText('Stop halt-4?')).toBeInTheDocument();
    expect(api.stopSandbox).not.toHaveBeenCalled();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Stop sandbox' }));
    await waitFor(() => expect(api.stopSandbox).toHaveBeenCalledWith('sbx-halt-4'));
  });

  it('deletes after confirmation', async () => {
    const api = render([makeSandbox({ name: 'bye-5' })], {
      deleteSandbox: jest.fn().mockResolvedValue(makeSandbox({ name: 'bye-5', state: 'deleting' })),
    });
    await userEvent.click(await screen.findByRole('button', { name: 'Delete bye-5' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(api.deleteSandbox).not.toHaveBeenCalled();

    await userEvent.click(screen.getByRole('button', { name: 'Delete bye-5' }));
    await userEvent.click(
      within(await screen.findByRole('dialog')).getByRole('button', { name: 'Delete sandbox' }),
    );
    await waitFor(() => expect(api.deleteSandbox).toHaveBeenCalledWith('sbx-bye-5'));
  });

  it('resizes a stopped sandbox to the chosen size', async () => {
    const api = render([makeSandbox({ name: 'grow-6', state: 'stopped' })], {
      resizeSandbox: jest
        .fn()
        .mockResolvedValue(
          makeSandbox({ name: 'grow-6', state: 'stopped', size: SANDBOX_SIZES.large }),
        ),
    });
    await userEvent.click(await screen.findByRole('button', { name: 'Resize grow-6' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByRole('button', { name: 'Resize sandbox' })).toBeDisabled();
    await userEvent.click(within(dialog).getByRole('button', { name: /Size/ }));
    await userEvent.click(
      await screen.findByRole('option', { name: 'large (2 vCPU, 4 GiB, 20 GiB disk)' }),
    );
    await userEvent.click(within(dialog).getByRole('button', { name: 'Resize sandbox' }));
    await waitFor(() => expect(api.resizeSandbox).toHaveBeenCalledWith('sbx-grow-6', 'large'));
  });

  it('shows the backend message when an action is refused', async () => {
    render([makeSandbox({ name: 'full-7', state: 'stopped' })], {
      startSandbox: jest
        .fn()
        .mockRejectedValue(
          await responseError(
            409,
            'ConflictError',
            "Quota exceeded in workspace 'team-a': vcpus 2.5 of 2",
          ),
        ),
    });
    await userEvent.click(await screen.findByRole('button', { name: 'Start full-7' }));
    expect(
      await screen.findByText(
        "Could not start full-7: Quota exceeded in workspace 'team-a': vcpus 2.5 of 2",
      ),
    ).toBeInTheDocument();
  });

  it('offers Pause for a running sandbox and Resume for a paused one', async () => {
    const api = render(
      [
        makeSandbox({ name: 'pz-run', state: 'running' }),
        makeSandbox({ name: 'pz-paused', state: 'paused' }),
        makeSandbox({ name: 'pz-pausing', state: 'pausing' }),
      ],
      {
        pauseSandbox: jest.fn().mockResolvedValue(makeSandbox({ name: 'pz-run', state: 'paused' })),
        resumeSandbox: jest
          .fn()
          .mockRejectedValue(
            await responseError(409, 'ConflictError', "Quota exceeded in workspace 'team-a'"),
          ),
      },
    );
    const running = await rowOf('pz-run');
    await userEvent.click(await within(running).findByRole('button', { name: 'Pause pz-run' }));
    await waitFor(() => expect(api.pauseSandbox).toHaveBeenCalledWith('sbx-pz-run'));
    // the table reloads after the action
    await waitFor(() =>
      expect(api.listSandboxes.mock.calls.length).toBeGreaterThanOrEqual(2),
    );
    expect(within(running).queryByRole('button', { name: 'Resume pz-run' })).not.toBeInTheDocument();

    const paused = await rowOf('pz-paused');
    expect(within(paused).queryByRole('button', { name: 'Pause pz-paused' })).not.toBeInTheDocument();
    expect(within(paused).getByRole('button', { name: 'Stop pz-paused' })).toBeInTheDocument();
    await userEvent.click(within(paused).getByRole('button', { name: 'Resume pz-paused' }));
    await waitFor(() => expect(api.resumeSandbox).toHaveBeenCalledWith('sbx-pz-paused'));
    expect(
      await screen.findByText("Could not resume pz-paused: Quota exceeded in workspace 'team-a'"),
    ).toBeInTheDocument();

    const pausing = await rowOf('pz-pausing');
    expect(within(pausing).queryByRole('button', { name: /^(Pause|Resume) / })).toBeNull();
    expect(within(pausing).getByText('pausing')).toBeInTheDocument();
  });
});
