import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import type { Backup, Sandbox } from '@internal/plugin-sandbox-common';
import { sandboxApiRef, type SandboxApi } from '../../api';
import { POLL_INTERVAL_MS } from '../../lib/format';
import { sandboxRouteRef } from '../../routes';
import {
  ALLOW,
  DENY,
  makeBackup,
  makeSandbox,
  mockSandboxApi,
  responseError,
} from '../../testUtils/fixtures';
import { SandboxBackups } from './SandboxBackups';

// usePermission caches decisions per (permission, sandbox id) for the whole file,
// so every test uses its own sandbox name.

function render(
  sandbox: Sandbox,
  partial: Partial<SandboxApi> = {},
  authorize: Parameters<typeof mockApis.permission>[0] = { authorize: ALLOW },
) {
  const api = mockSandboxApi(partial);
  const onChanged = jest.fn();
  renderInTestApp(<SandboxBackups sandbox={sandbox} onChanged={onChanged} />, {
    apis: [[sandboxApiRef, api], mockApis.permission(authorize)],
    mountedRoutes: { '/sandboxes/:id': sandboxRouteRef },
  });
  return { api, onChanged };
}

async function rowOf(backupId: string) {
  return (await screen.findByRole('button', { name: `Delete ${backupId}` })).closest(
    'tr',
  )! as HTMLElement;
}

describe('SandboxBackups', () => {
  afterEach(() => jest.useRealTimers());

  it('lists backups with who, size, duration, verification and state', async () => {
    const sandbox = makeSandbox({ name: 'bk-list' });
    const backups: Backup[] = [
      makeBackup({ id: 'bk-1', sandboxId: sandbox.id }),
      makeBackup({
        id: 'bk-2',
        sandboxId: sandbox.id,
        trigger: 'schedule',
        createdBy: 'system:backup-scheduler',
        sizeBytes: 512,
        durationMs: 850,
      }),
      makeBackup({
        id: 'bk-3',
        sandboxId: sandbox.id,
        state: 'failed',
        sizeBytes: null,
        sha256: null,
        durationMs: undefined,
        error: 'disk full',
      }),
    ];
    const { api } = render(sandbox, { listBackups: jest.fn().mockResolvedValue(backups) });

    const first = await rowOf('bk-1');
    expect(api.listBackups).toHaveBeenCalledWith(sandbox.id);
    expect(within(first).getByText('alice')).toBeInTheDocument();
    expect(within(first).getByText('3 MiB')).toBeInTheDocument();
    expect(within(first).getByText('2s')).toBeInTheDocument();
    expect(within(first).getByText('verified, sha256 ab12cd34ef56…')).toBeInTheDocument();
    expect(within(first).getByText('complete')).toBeInTheDocument();
    expect(within(first).getByText('manual')).toBeInTheDocument();
    expect(within(first).getByRole('button', { name: 'Restore bk-1' })).toBeInTheDocument();

    const second = await rowOf('bk-2');
    expect(within(second).getByText('schedule')).toBeInTheDocument();
    expect(within(second).getByText('512 B')).toBeInTheDocument();
    expect(within(second).getByText('850 ms')).toBeInTheDocument();

    const failed = await rowOf('bk-3');
    expect(within(failed).getByText('failed: disk full')).toBeInTheDocument();
    expect(within(failed).queryByRole('button', { name: 'Restore bk-3' })).not.toBeInTheDocument();
  });

  it('backs up now, lists the backup as in progress meanwhile and reports the result', async () => {
    const sandbox = makeSandbox({ name: 'bk-now' });
    let finish: (b: Backup) => void = () => {};
    const done = makeBackup({ id: 'bk-new', sandboxId: sandbox.id, sizeBytes: 2048 });
    const api = {
      listBackups: jest
        .fn()
        .mockResolvedValueOnce([])
        .mockResolvedValueOnce([
          makeBackup({ id: 'bk-new', state: 'in_progress', sizeBytes: null, sha256: null }),
        ])
        .mockResolvedValue([done]),
      createBackup: jest.fn(() => new Promise<Backup>(resolve => (finish = resolve))),
    };
    render(sandbox, api);
    expect(await screen.findByText('No backups of this sandbox yet.')).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Back up now' }));
    expect(api.createBackup).toHaveBeenCalledWith(sandbox.id);
    expect(await screen.findByText('in progress')).toBeInTheDocument();
    // No delete of a backup still being written.
    expect(screen.queryByRole('button', { name: 'Delete bk-new' })).not.toBeInTheDocument();

    await act(async () => finish(done));
    expect(await screen.findByText('Backup bk-new complete (2 KiB)')).toBeInTheDocument();
    expect(await screen.findByText('complete')).toBeInTheDocument();
  });

  it('polls while a backup is in progress and stops once it completes', async () => {
    jest.useFakeTimers({ advanceTimers: true });
    const sandbox = makeSandbox({ name: 'bk-poll' });
    const api = {
      listBackups: jest
        .fn()
        .mockResolvedValueOnce([makeBackup({ id: 'bk-p', state: 'in_progress' })])
        .mockResolvedValue([makeBackup({ id: 'bk-p' })]),
    };
    render(sandbox, api);
    expect(await screen.findByText('in progress')).toBeInTheDocument();
    await act(async () => {
      jest.advanceTimersByTime(POLL_INTERVAL_MS);
    });
    await waitFor(() => expect(api.listBackups).toHaveBeenCalledTimes(2));
    expect(await screen.findByText('complete')).toBeInTheDocument();
    await act(async () => {
      jest.advanceTimersByTime(POLL_INTERVAL_MS * 3);
    });
    expect(api.listBackups).toHaveBeenCalledTimes(2);
  });

  it('shows the backend message when a backup fails', async () => {
    const sandbox = makeSandbox({ name: 'bk-fail' });
    const api = {
      createBackup: jest
        .fn()
        .mockRejectedValue(
          await responseError(409, 'ConflictError', "Sandbox 'bk-fail' is provisioning"),
        ),
    };
    render(sandbox, api);
    await userEvent.click(await screen.findByRole('button', { name: 'Back up now' }));
    expect(
      await screen.findByText("Could not back up bk-fail: Sandbox 'bk-fail' is provisioning"),
    ).toBeInTheDocument();
  });

  it('offers Back up now only for running or stopped sandboxes', async () => {
    render(makeSandbox({ name: 'bk-prov', state: 'provisioning' }));
    expect(await screen.findByRole('button', { name: 'Back up now' })).toBeDisabled();
  });

  it('restores into a new sandbox under the name given, and links to it', async () => {
    const sandbox = makeSandbox({ name: 'bk-new-target', state: 'running' });
    const api = {
      listBackups: jest.fn().mockResolvedValue([makeBackup({ id: 'bk-r1' })]),
      restoreBackup: jest
        .fn()
        .mockResolvedValue(makeSandbox({ id: 'sbx-copy', name: 'copy-1', state: 'pending' })),
    };
    render(sandbox, api);
    await userEvent.click(await screen.findByRole('button', { name: 'Restore bk-r1' }));
    const dialog = await screen.findByRole('dialog');
    // In place is only offered for a stopped sandbox.
    expect(within(dialog).queryByRole('radio', { name: /in place/ })).not.toBeInTheDocument();
    expect(within(dialog).getByText('Stop the sandbox to restore in place.')).toBeInTheDocument();

    const name = within(dialog).getByRole('textbox', { name: 'Name of the new sandbox' });
    expect(name).toHaveValue('bk-new-target-restored');
    await userEvent.clear(name);
    await userEvent.type(name, 'Bad Name!');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Restore into new sandbox' }));
    expect(await within(dialog).findByText(/^Name: /)).toBeInTheDocument();
    expect(api.restoreBackup).not.toHaveBeenCalled();

    await userEvent.clear(name);
    await userEvent.type(name, 'copy-1');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Restore into new sandbox' }));
    await waitFor(() =>
      expect(api.restoreBackup).toHaveBeenCalledWith('bk-r1', { target: 'new', name: 'copy-1' }),
    );
    expect(
      await screen.findByText('Backup bk-r1 restored into the new sandbox copy-1'),
    ).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Open the new sandbox' })).toHaveAttribute(
      'href',
      '/sandboxes/sbx-copy',
    );
  });

  it('restores in place into a stopped sandbox and reloads it', async () => {
    const sandbox = makeSandbox({ name: 'bk-inplace', state: 'stopped' });
    const api = {
      listBackups: jest.fn().mockResolvedValue([makeBackup({ id: 'bk-r2' })]),
      restoreBackup: jest.fn().mockResolvedValue(sandbox),
    };
    const { onChanged } = render(sandbox, api);
    await userEvent.click(await screen.findByRole('button', { name: 'Restore bk-r2' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('radio', { name: 'bk-inplace, in place' }));
    expect(within(dialog).getByText(/is replaced by the backup's content/)).toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Restore in place' }));
    await waitFor(() =>
      expect(api.restoreBackup).toHaveBeenCalledWith('bk-r2', { target: 'in-place' }),
    );
    expect(await screen.findByText('Backup bk-r2 restored into bk-inplace')).toBeInTheDocument();
    expect(onChanged).toHaveBeenCalled();
  });

  it('shows the backend message when a restore fails', async () => {
    const sandbox = makeSandbox({ name: 'bk-corrupt', state: 'stopped' });
    const api = {
      listBackups: jest.fn().mockResolvedValue([makeBackup({ id: 'bk-bad' })]),
      restoreBackup: jest
        .fn()
        .mockRejectedValue(
          await responseError(
            409,
            'ConflictError',
            "blob 'workspace.tar' of backup 'bk-bad' is corrupt: sha256 mismatch",
          ),
        ),
    };
    render(sandbox, api);
    await userEvent.click(await screen.findByRole('button', { name: 'Restore bk-bad' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('radio', { name: 'bk-corrupt, in place' }));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Restore in place' }));
    expect(
      await screen.findByText(
        "Could not restore backup bk-bad: blob 'workspace.tar' of backup 'bk-bad' is corrupt: sha256 mismatch",
      ),
    ).toBeInTheDocument();
  });

  it('deletes a backup after confirmation, and shows a refusal', async () => {
    const sandbox = makeSandbox({ name: 'bk-del' });
    const api = {
      listBackups: jest
        .fn()
        .mockResolvedValueOnce([makeBackup({ id: 'bk-d1' }), makeBackup({ id: 'bk-d2' })])
        .mockResolvedValue([makeBackup({ id: 'bk-d2' })]),
      deleteBackup: jest
        .fn()
        .mockResolvedValueOnce(undefined)
        .mockRejectedValueOnce(await responseError(403, 'NotAllowedError', 'Not allowed')),
    };
    render(sandbox, api);
    await userEvent.click(await screen.findByRole('button', { name: 'Delete bk-d1' }));
    let dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText('Delete backup bk-d1?')).toBeInTheDocument();
    expect(api.deleteBackup).not.toHaveBeenCalled();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Delete backup' }));
    await waitFor(() => expect(api.deleteBackup).toHaveBeenCalledWith('bk-d1'));
    await waitFor(() =>
      expect(screen.queryByRole('button', { name: 'Delete bk-d1' })).not.toBeInTheDocument(),
    );

    await userEvent.click(screen.getByRole('button', { name: 'Delete bk-d2' }));
    dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Delete backup' }));
    expect(
      await screen.findByText('Could not delete backup bk-d2: Not allowed'),
    ).toBeInTheDocument();
  });

  it('hides what the user may not do, and the whole card without read permission', async () => {
    const authorize = jest.fn(({ permission, resourceRef }: any) => {
      if (resourceRef === 'sbx-bk-none') return DENY;
      return permission.name === 'sandbox.backup.read' ? ALLOW : DENY;
    });
    const api = mockSandboxApi({
      listBackups: jest.fn().mockResolvedValue([makeBackup({ id: 'bk-ro' })]),
    });
    renderInTestApp(
      <>
        <SandboxBackups sandbox={makeSandbox({ name: 'bk-readonly' })} onChanged={jest.fn()} />
        <SandboxBackups sandbox={makeSandbox({ name: 'bk-none' })} onChanged={jest.fn()} />
      </>,
      {
        apis: [[sandboxApiRef, api], mockApis.permission({ authorize })],
        mountedRoutes: { '/sandboxes/:id': sandboxRouteRef },
      },
    );
    expect(await screen.findByText('complete')).toBeInTheDocument();
    await waitFor(() =>
      expect(authorize).toHaveBeenCalledWith(
        expect.objectContaining({
          permission: expect.objectContaining({ name: 'sandbox.backup.create' }),
          resourceRef: 'sbx-bk-readonly',
        }),
      ),
    );
    await act(async () => {
      await new Promise(resolve => setTimeout(resolve, 20));
    });
    expect(screen.getAllByRole('heading', { name: 'Backups' })).toHaveLength(1);
    expect(screen.queryByRole('button', { name: 'Back up now' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Restore bk-ro' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Delete bk-ro' })).not.toBeInTheDocument();
    expect(api.listBackups).toHaveBeenCalledTimes(1);
    expect(api.listBackups).toHaveBeenCalledWith('sbx-bk-readonly');
  });

  it('shows the backend message when the list cannot be loaded', async () => {
    render(makeSandbox({ name: 'bk-err' }), {
      listBackups: jest
        .fn()
        .mockRejectedValue(await responseError(500, 'Error', 'store unreachable')),
    });
    expect(await screen.findByText('Could not load backups')).toBeInTheDocument();
    expect(screen.getByText('store unreachable')).toBeInTheDocument();
  });
});
