import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { sandboxApiRef } from '../../api';
import { sandboxRouteRef, workspaceRouteRef } from '../../routes';
import {
  makeAuditEntry,
  makeWorkspace,
  mockSandboxApi,
  responseError,
} from '../../testUtils/fixtures';
import { AUDIT_PAGE_SIZE, AuditLogPage } from './AuditLogPage';

// react-aria selects and dialogs are slow in jsdom, the more so under coverage.
jest.setTimeout(20_000);

function render(api: ReturnType<typeof mockSandboxApi>, url = '/audit') {
  return renderInTestApp(<AuditLogPage />, {
    apis: [[sandboxApiRef, api]],
    mountPath: '/audit',
    initialRouteEntries: [url],
    mountedRoutes: {
      '/sandboxes/:id': sandboxRouteRef,
      '/workspaces/:name': workspaceRouteRef,
    },
  });
}

const entries = [
  makeAuditEntry({ id: 103, message: 'created my-box' }),
  makeAuditEntry({
    id: 102,
    action: 'sandbox.create',
    outcome: 'denied',
    targetId: 'sbx-other',
    message: "Quota exceeded in workspace 'team-a': sandboxes 3 of 3",
    requestId: 'req-2',
  }),
  makeAuditEntry({
    id: 101,
    action: 'workspace.member.set',
    targetType: 'member',
    targetId: 'group:default/team-b',
    outcome: 'invalid',
    requestId: undefined,
  }),
  makeAuditEntry({
    id: 100,
    action: 'workspace.archive',
    targetType: 'workspace',
    targetId: 'team-a',
    workspace: undefined,
    outcome: 'failure',
  }),
];

describe('AuditLogPage', () => {
  it('shows time, actor, action, target, workspace, coloured outcome, message and request id', async () => {
    const api = mockSandboxApi({
      listAuditEntries: jest.fn().mockResolvedValue({ items: entries }),
    });
    await render(api);

    const row = (await screen.findByText('created my-box')).closest('tr')!;
    expect(
      within(row).getByText(new Date('2025-01-30T10:00:00.000Z').toLocaleString()),
    ).toBeInTheDocument();
    expect(within(row).getByText('user:default/alice')).toBeInTheDocument();
    expect(within(row).getByText('sandbox.create')).toBeInTheDocument();
    expect(within(row).getByRole('link', { name: 'sbx-my-box' })).toHaveAttribute(
      'href',
      '/sandboxes/sbx-my-box',
    );
    expect(within(row).getByRole('link', { name: 'team-a' })).toHaveAttribute(
      'href',
      '/workspaces/team-a',
    );
    expect(within(row).getByText('success')).toBeInTheDocument();
    expect(within(row).getByText('req-1')).toBeInTheDocument();

    const denied = screen.getByText(/Quota exceeded in workspace/).closest('tr')!;
    expect(within(denied).getByText('denied')).toBeInTheDocument();
    expect(within(denied).getByText('req-2')).toBeInTheDocument();

    const invalid = screen.getByText('group:default/team-b').closest('tr')!;
    expect(within(invalid).getByText('member')).toBeInTheDocument();
    expect(within(invalid).getByText('invalid')).toBeInTheDocument();
    expect(
      within(invalid).queryByRole('link', { name: 'group:default/team-b' }),
    ).not.toBeInTheDocument();

    const failure = screen.getByText('workspace.archive').closest('tr')!;
    expect(within(failure).getByText('failure')).toBeInTheDocument();
    expect(within(failure).getByRole('link', { name: 'team-a' })).toHaveAttribute(
      'href',
      '/workspaces/team-a',
    );
    expect(within(failure).getByText('—')).toBeInTheDocument();

    // Outcomes carry the status colours of core-components.
    expect(within(row).getByLabelText('Status ok')).toBeInTheDocument();
    expect(within(denied).getByLabelText('Status warning')).toBeInTheDocument();
    expect(within(invalid).getByLabelText('Status aborted')).toBeInTheDocument();
    expect(within(failure).getByLabelText('Status error')).toBeInTheDocument();

    expect(api.listAuditEntries).toHaveBeenCalledWith({
      workspace: undefined,
      actor: undefined,
      action: undefined,
      outcome: undefined,
      limit: AUDIT_PAGE_SIZE,
    });
    expect(screen.queryByRole('button', { name: 'Load more' })).not.toBeInTheDocument();
  });

  it('reads the filters from the URL', async () => {
    const api = mockSandboxApi({
      listAuditEntries: jest.fn().mockResolvedValue({ items: [] }),
      listWorkspaces: jest.fn().mockResolvedValue([makeWorkspace()]),
    });
    await render(
      api,
      '/audit?workspace=team-a&actor=user%3Adefault%2Fbob&action=quota.override&outcome=denied',
    );
    expect(await screen.findByText('No audit entries match these filters.')).toBeInTheDocument();
    expect(api.listAuditEntries).toHaveBeenCalledWith({
      workspace: 'team-a',
      actor: 'user:default/bob',
      action: 'quota.override',
      outcome: 'denied',
      limit: AUDIT_PAGE_SIZE,
    });
    expect(screen.getByRole('textbox', { name: 'Actor' })).toHaveValue('user:default/bob');
    expect(screen.getByRole('textbox', { name: 'Action' })).toHaveValue('quota.override');
  });

  it('builds the query from the workspace and outcome filters', async () => {
    const api = mockSandboxApi({
      listAuditEntries: jest.fn().mockResolvedValue({ items: [] }),
      listWorkspaces: jest
        .fn()
        .mockResolvedValue([makeWorkspace({ name: 'team-b', title: 'team-b' })]),
    });
    await render(api);
    await screen.findByText('No audit entries match these filters.');

    await userEvent.click(screen.getByRole('button', { name: /Workspace/ }));
    await userEvent.click(await screen.findByRole('option', { name: 'team-b' }));
    await userEvent.click(screen.getByRole('button', { name: /Outcome/ }));
    await userEvent.click(await screen.findByRole('option', { name: 'failure' }));
    await waitFor(() =>
      expect(api.listAuditEntries).toHaveBeenLastCalledWith({
        workspace: 'team-b',
        actor: undefined,
        action: undefined,
        outcome: 'failure',
        limit: AUDIT_PAGE_SIZE,
      }),
    );

    await userEvent.click(screen.getByRole('button', { name: /Outcome/ }));
    await userEvent.click(await screen.findByRole('option', { name: 'All outcomes' }));
    await waitFor(() =>
      expect(api.listAuditEntries).toHaveBeenLastCalledWith(
        expect.objectContaining({ outcome: undefined, workspace: 'team-b' }),
      ),
    );
  });

  it('builds the query from the actor and action filters once typing pauses', async () => {
    const api = mockSandboxApi({ listAuditEntries: jest.fn().mockResolvedValue({ items: [] }) });
    await render(api, '/audit?outcome=denied');
    await screen.findByText('No audit entries match these filters.');

    await userEvent.click(screen.getByRole('textbox', { name: 'Actor' }));
    await userEvent.paste('user:default/carol');
    await userEvent.click(screen.getByRole('textbox', { name: 'Action' }));
    await userEvent.paste('sandbox.delete');
    await waitFor(() =>
      expect(api.listAuditEntries).toHaveBeenLastCalledWith({
        workspace: undefined,
        actor: 'user:default/carol',
        action: 'sandbox.delete',
        outcome: 'denied',
        limit: AUDIT_PAGE_SIZE,
      }),
    );

    await userEvent.clear(screen.getByRole('textbox', { name: 'Actor' }));
    await waitFor(() =>
      expect(api.listAuditEntries).toHaveBeenLastCalledWith(
        expect.objectContaining({ actor: undefined, action: 'sandbox.delete' }),
      ),
    );
  });

  it('loads more with the cursor, and starts over when the filters change', async () => {
    const page1 = { items: [makeAuditEntry({ id: 3, message: 'third' })], nextCursor: 3 };
    const page2 = { items: [makeAuditEntry({ id: 2, message: 'second' })], nextCursor: 2 };
    const page3 = { items: [makeAuditEntry({ id: 1, message: 'first' })] };
    const api = mockSandboxApi({
      listAuditEntries: jest.fn(async query => {
        if (query?.cursor === 3) return page2;
        if (query?.cursor === 2) return page3;
        return page1;
      }),
    });
    await render(api);
    expect(await screen.findByText('third')).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByText('second')).toBeInTheDocument();
    expect(screen.getByText('third')).toBeInTheDocument();
    expect(api.listAuditEntries).toHaveBeenLastCalledWith(
      expect.objectContaining({ cursor: 3, limit: AUDIT_PAGE_SIZE }),
    );

    await userEvent.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByText('first')).toBeInTheDocument();
    expect(api.listAuditEntries).toHaveBeenLastCalledWith(expect.objectContaining({ cursor: 2 }));
    expect(screen.getAllByRole('row')).toHaveLength(4); // header + 3
    expect(screen.queryByRole('button', { name: 'Load more' })).not.toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: /Outcome/ }));
    await userEvent.click(await screen.findByRole('option', { name: 'success' }));
    await waitFor(() => expect(screen.queryByText('second')).not.toBeInTheDocument());
    expect(screen.getByText('third')).toBeInTheDocument();
    expect(api.listAuditEntries).toHaveBeenLastCalledWith(
      expect.objectContaining({ outcome: 'success' }),
    );
    expect(api.listAuditEntries.mock.lastCall?.[0]).not.toHaveProperty('cursor');
    expect(screen.getByRole('button', { name: 'Load more' })).toBeInTheDocument();
  });

  it('refreshes from the newest entries', async () => {
    const api = mockSandboxApi({
      listAuditEntries: jest
        .fn()
        .mockResolvedValueOnce({ items: [makeAuditEntry({ message: 'old' })] })
        .mockResolvedValue({ items: [makeAuditEntry({ id: 200, message: 'new' })] }),
    });
    await render(api);
    await screen.findByText('old');
    await userEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    expect(await screen.findByText('new')).toBeInTheDocument();
  });

  it('shows the backend message when the log cannot be read', async () => {
    const api = mockSandboxApi({
      listAuditEntries: jest
        .fn()
        .mockRejectedValue(
          await responseError(403, 'NotAllowedError', 'You may not read the audit log'),
        ),
    });
    await render(api);
    expect(await screen.findByText('You may not read the audit log')).toBeInTheDocument();
    expect(screen.getByText('Could not load the audit log')).toBeInTheDocument();
  });

  it('shows the error when loading more fails', async () => {
    const api = mockSandboxApi({
      listAuditEntries: jest
        .fn()
        .mockResolvedValueOnce({ items: [makeAuditEntry({ message: 'only' })], nextCursor: 5 })
        .mockRejectedValue(new Error('cursor expired')),
    });
    await render(api);
    await screen.findByText('only');
    await userEvent.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByText('cursor expired')).toBeInTheDocument();
    expect(screen.getByText('Could not load more entries')).toBeInTheDocument();
    expect(screen.getByText('only')).toBeInTheDocument();
  });
});
