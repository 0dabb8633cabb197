import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { sandboxApiRef, type SandboxApi, type WorkspaceApiKey } from '../../api';
import { ALLOW, mockSandboxApi, responseError } from '../../testUtils/fixtures';
import { WorkspaceApiKeys, apiKeyRequestFrom, keyStatus } from './WorkspaceApiKeys';

jest.setTimeout(30_000);

function makeKey(overrides: Partial<WorkspaceApiKey> = {}): WorkspaceApiKey {
  return {
    id: 'key-1',
    workspace: 'team-a',
    name: 'openhands',
    prefix: 'psk_ab12cd34',
    createdBy: 'user:default/alice',
    createdAt: '2025-01-30T10:00:00.000Z',
    ...overrides,
  };
}

function render(partial: Partial<SandboxApi>, workspace = 'team-a') {
  const api = mockSandboxApi(partial);
  renderInTestApp(<WorkspaceApiKeys workspace={workspace} />, {
    apis: [[sandboxApiRef, api], mockApis.permission({ authorize: ALLOW })],
  });
  return api;
}

describe('apiKeyRequestFrom and keyStatus', () => {
  const now = Date.parse('2025-02-01T00:00:00.000Z');

  it('builds the create request, with an expiry in whole days', () => {
    expect(apiKeyRequestFrom(' ci ', '', now)).toEqual({ name: 'ci' });
    expect(apiKeyRequestFrom('ci', '30', now)).toEqual({
      name: 'ci',
      expiresAt: '2025-03-03T00:00:00.000Z',
    });
    expect(apiKeyRequestFrom('  ', '', now)).toBe(
      'Name: give the key a name, e.g. the tool that uses it',
    );
    expect(apiKeyRequestFrom('ci', '0', now)).toMatch(/^Expires after: /);
    expect(apiKeyRequestFrom('ci', '1.5', now)).toMatch(/^Expires after: /);
    expect(apiKeyRequestFrom('x'.repeat(101), '', now)).toMatch(/name/);
  });

  it('tells active, expired and revoked keys apart', () => {
    expect(keyStatus(makeKey(), now)).toBe('active');
    expect(keyStatus(makeKey({ expiresAt: '2025-01-31T00:00:00.000Z' }), now)).toBe('expired');
    expect(keyStatus(makeKey({ expiresAt: '2025-03-01T00:00:00.000Z' }), now)).toBe('active');
    expect(keyStatus(makeKey({ revokedAt: '2025-01-31T00:00:00.000Z' }), now)).toBe('revoked');
  });
});

describe('WorkspaceApiKeys', () => {
  it('lists keys with prefix, creator, expiry, last use and status', async () => {
    const api = render({
      listApiKeys: jest.fn().mockResolvedValue([
        makeKey({ lastUsedAt: '2025-01-31T08:00:00.000Z' }),
        makeKey({
          id: 'key-2',
          name: 'old-ci',
          prefix: 'psk_99887766',
          revokedAt: '2025-01-31T09:00:00.000Z',
        }),
      ]),
    });
    const row = (await screen.findByText('openhands')).closest('tr')! as HTMLElement;
    expect(api.listApiKeys).toHaveBeenCalledWith('team-a');
    expect(within(row).getByText('psk_ab12cd34…')).toBeInTheDocument();
    expect(within(row).getByText('by alice')).toBeInTheDocument();
    expect(within(row).getByText('never')).toBeInTheDocument(); // expires
    expect(within(row).getByText('active')).toBeInTheDocument();
    expect(within(row).getByRole('button', { name: 'Revoke openhands' })).toBeInTheDocument();

    const revoked = screen.getByText('old-ci').closest('tr')! as HTMLElement;
    expect(within(revoked).getByText('revoked')).toBeInTheDocument();
    expect(within(revoked).queryByRole('button')).not.toBeInTheDocument();
  });

  it('creates a key and shows it once, with a copy button and a warning', async () => {
    const created = { key: 'psk_ab12cd34_the-secret-part', item: makeKey({ name: 'ci' }) };
    const api = render({
      listApiKeys: jest.fn().mockResolvedValueOnce([]).mockResolvedValue([created.item]),
      createApiKey: jest.fn().mockResolvedValue(created),
    });
    const writeText = jest.fn().mockResolvedValue(undefined);
    Object.defineProperty(window.navigator, 'clipboard', {
      value: { writeText },
      configurable: true,
    });
    expect(await screen.findByText('No API keys.')).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Create API key' }));
    let dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create key' }));
    expect(
      await within(dialog).findByText('Name: give the key a name, e.g. the tool that uses it'),
    ).toBeInTheDocument();
    expect(api.createApiKey).not.toHaveBeenCalled();

    await userEvent.type(within(dialog).getByRole('textbox', { name: 'Name' }), 'ci');
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: 'Expires after (days, empty: never)' }),
      '7',
    );
    const before = Date.now();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create key' }));
    await waitFor(() => expect(api.createApiKey).toHaveBeenCalled());
    const [workspace, request] = api.createApiKey.mock.calls[0];
    expect(workspace).toBe('team-a');
    expect(request.name).toBe('ci');
    const expiry = Date.parse(request.expiresAt!);
    expect(expiry - before).toBeGreaterThanOrEqual(7 * 24 * 3600_000 - 1000);
    expect(expiry - Date.now()).toBeLessThanOrEqual(7 * 24 * 3600_000);

    dialog = await screen.findByRole('dialog', { name: 'API key ci' });
    expect(within(dialog).getByTestId('api-key-secret')).toHaveTextContent(created.key);
    expect(within(dialog).getByText('Copy the key now: it is shown only once')).toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Copy key' }));
    expect(writeText).toHaveBeenCalledWith(created.key);
    expect(await within(dialog).findByText('Copied to the clipboard.')).toBeInTheDocument();

    await userEvent.click(within(dialog).getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(screen.queryByText(created.key)).not.toBeInTheDocument();
    expect(await screen.findByText('ci')).toBeInTheDocument();
  });

  it('says so when copying fails, and shows a refused create', async () => {
    const created = { key: 'psk_zz', item: makeKey({ name: 'tool' }) };
    const api = render(
      {
        createApiKey: jest
          .fn()
          .mockRejectedValueOnce(
            await responseError(400, 'InputError', 'Invalid API key request: expiresAt: in the past'),
          )
          .mockResolvedValueOnce(created),
      },
      'ws-keys-2',
    );
    Object.defineProperty(window.navigator, 'clipboard', {
      value: { writeText: jest.fn().mockRejectedValue(new Error('denied')) },
      configurable: true,
    });
    await userEvent.click(await screen.findByRole('button', { name: 'Create API key' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(within(dialog).getByRole('textbox', { name: 'Name' }), 'tool');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create key' }));
    expect(
      await within(dialog).findByText('Invalid API key request: expiresAt: in the past'),
    ).toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create key' }));
    const shown = await screen.findByRole('dialog', { name: 'API key tool' });
    expect(api.createApiKey).toHaveBeenLastCalledWith('ws-keys-2', { name: 'tool' });
    await userEvent.click(within(shown).getByRole('button', { name: 'Copy key' }));
    expect(
      await within(shown).findByText('Could not copy; select the key and copy it by hand.'),
    ).toBeInTheDocument();
  });

  it('revokes a key after confirmation, and shows a refusal', async () => {
    const api = render(
      {
        listApiKeys: jest
          .fn()
          .mockResolvedValueOnce([makeKey(), makeKey({ id: 'key-2', name: 'second' })])
          .mockResolvedValue([
            makeKey({ revokedAt: '2025-02-01T00:00:00.000Z' }),
            makeKey({ id: 'key-2', name: 'second' }),
          ]),
        revokeApiKey: jest
          .fn()
          .mockResolvedValueOnce(undefined)
          .mockRejectedValueOnce(await responseError(404, 'NotFoundError', "No API key 'key-2'")),
      },
      'ws-keys-3',
    );
    await userEvent.click(await screen.findByRole('button', { name: 'Revoke openhands' }));
    let dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText('Revoke openhands?')).toBeInTheDocument();
    expect(api.revokeApiKey).not.toHaveBeenCalled();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Revoke key' }));
    await waitFor(() => expect(api.revokeApiKey).toHaveBeenCalledWith('ws-keys-3', 'key-1'));
    expect(await screen.findByText('revoked')).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Revoke second' }));
    dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Revoke key' }));
    expect(await screen.findByText("Could not revoke second: No API key 'key-2'")).toBeInTheDocument();
  });

  it('shows the backend message when the keys cannot be loaded', async () => {
    render(
      {
        listApiKeys: jest
          .fn()
          .mockRejectedValue(await responseError(403, 'NotAllowedError', 'Admins only')),
      },
      'ws-keys-4',
    );
    expect(await screen.findByText('Could not load the API keys')).toBeInTheDocument();
    expect(screen.getByText('Admins only')).toBeInTheDocument();
  });
});
