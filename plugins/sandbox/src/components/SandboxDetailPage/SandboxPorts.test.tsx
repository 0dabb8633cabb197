import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import type { Sandbox } from '@internal/plugin-sandbox-common';
import { sandboxApiRef, type SandboxApi } from '../../api';
import { ALLOW, DENY, makeSandbox, mockSandboxApi, responseError } from '../../testUtils/fixtures';
import { SandboxPorts, parsePort } from './SandboxPorts';

// usePermission caches decisions per (permission, sandbox id) for the whole file,
// so every test uses its own sandbox name.

const BASE = 'http://backend.test/api/sandbox';

function render(
  sandbox: Sandbox,
  partial: Partial<SandboxApi> = {},
  authorize: Parameters<typeof mockApis.permission>[0] = { authorize: ALLOW },
) {
  const api = mockSandboxApi(partial);
  renderInTestApp(<SandboxPorts sandbox={sandbox} />, {
    apis: [[sandboxApiRef, api], mockApis.permission(authorize)],
  });
  return api;
}

describe('parsePort', () => {
  it('accepts whole numbers from 1 to 65535 only', () => {
    expect(parsePort(' 8080 ')).toBe(8080);
    expect(parsePort('1')).toBe(1);
    expect(parsePort('65535')).toBe(65535);
    expect(parsePort('0')).toBe('must be from 1 to 65535');
    expect(parsePort('65536')).toBe('must be from 1 to 65535');
    expect(parsePort('80.5')).toBe('enter a whole number from 1 to 65535');
    expect(parsePort('-1')).toBe('enter a whole number from 1 to 65535');
    expect(parsePort('http')).toBe('enter a whole number from 1 to 65535');
  });
});

describe('SandboxPorts', () => {
  it('lists the listening ports with preview links that open in a new tab', async () => {
    const sandbox = makeSandbox({ name: 'ports-list' });
    const api = render(sandbox, {
      listPorts: jest.fn().mockResolvedValue([
        { port: 3000, url: `${BASE}/sandboxes/${sandbox.id}/ports/3000/`, process: 'node' },
        { port: 8080, url: `${BASE}/sandboxes/${sandbox.id}/ports/8080/` },
      ]),
    });
    const link = await screen.findByRole('link', { name: 'Open preview of port 3000' });
    expect(api.listPorts).toHaveBeenCalledWith(sandbox.id);
    expect(link).toHaveAttribute('href', `${BASE}/sandboxes/${sandbox.id}/ports/3000/`);
    expect(link).toHaveAttribute('target', '_blank');
    expect(link).toHaveAttribute('rel', 'noopener noreferrer');
    const row = link.closest('tr')! as HTMLElement;
    expect(within(row).getByText('node')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Open preview of port 8080' })).toHaveAttribute(
      'href',
      `${BASE}/sandboxes/${sandbox.id}/ports/8080/`,
    );

    await userEvent.click(screen.getByRole('button', { name: 'Refresh ports' }));
    await waitFor(() => expect(api.listPorts).toHaveBeenCalledTimes(2));
  });

  it('says so when nothing listens, and shows backend errors', async () => {
    render(makeSandbox({ name: 'ports-empty' }));
    expect(await screen.findByText('Nothing is listening inside the sandbox.')).toBeInTheDocument();
  });

  it('shows the backend message when the ports cannot be listed', async () => {
    render(makeSandbox({ name: 'ports-err' }), {
      listPorts: jest
        .fn()
        .mockRejectedValue(
          await responseError(409, 'ConflictError', "Sandbox 'ports-err' is paused; resume it first"),
        ),
    });
    expect(await screen.findByText('Could not list the ports')).toBeInTheDocument();
    expect(screen.getByText("Sandbox 'ports-err' is paused; resume it first")).toBeInTheDocument();
  });

  it('opens any valid port in a new tab, refusing invalid numbers', async () => {
    const sandbox = makeSandbox({ name: 'ports-open' });
    const url = `${BASE}/sandboxes/${sandbox.id}/ports/5173/`;
    const api = render(sandbox, {
      portUrl: jest
        .fn()
        .mockResolvedValueOnce(url)
        .mockRejectedValueOnce(await responseError(401, 'AuthenticationError', 'no cookie')),
    });
    const open = jest.spyOn(window, 'open').mockImplementation(() => null);
    try {
      const field = await screen.findByRole('textbox', { name: 'Open another port' });
      expect(screen.getByRole('button', { name: 'Open port' })).toBeDisabled();

      await userEvent.type(field, '70000');
      await userEvent.click(screen.getByRole('button', { name: 'Open port' }));
      expect(await screen.findByText('Port: must be from 1 to 65535')).toBeInTheDocument();
      expect(api.portUrl).not.toHaveBeenCalled();
      expect(open).not.toHaveBeenCalled();

      await userEvent.clear(field);
      await userEvent.type(field, '5173');
      expect(screen.queryByText(/^Port: /)).not.toBeInTheDocument();
      await userEvent.click(screen.getByRole('button', { name: 'Open port' }));
      await waitFor(() => expect(open).toHaveBeenCalledWith(url, '_blank', 'noopener,noreferrer'));
      expect(api.portUrl).toHaveBeenCalledWith(sandbox.id, 5173);

      await userEvent.click(screen.getByRole('button', { name: 'Open port' }));
      expect(await screen.findByText('Could not open port 5173: no cookie')).toBeInTheDocument();
      expect(open).toHaveBeenCalledTimes(1);
    } finally {
      open.mockRestore();
    }
  });

  it('is shown only while the sandbox runs, and only with exec permission', async () => {
    const authorize = jest.fn(({ resourceRef }: any) =>
      resourceRef === 'sbx-ports-denied' ? DENY : ALLOW,
    );
    const api = mockSandboxApi();
    renderInTestApp(
      <>
        <SandboxPorts sandbox={makeSandbox({ name: 'ports-stopped', state: 'stopped' })} />
        <SandboxPorts sandbox={makeSandbox({ name: 'ports-denied', state: 'running' })} />
      </>,
      { apis: [[sandboxApiRef, api], mockApis.permission({ authorize })] },
    );
    await waitFor(() =>
      expect(authorize).toHaveBeenCalledWith(
        expect.objectContaining({
          permission: expect.objectContaining({ name: 'sandbox.exec' }),
          resourceRef: 'sbx-ports-denied',
        }),
      ),
    );
    await act(async () => {
      await new Promise(resolve => setTimeout(resolve, 20));
    });
    expect(screen.queryByRole('heading', { name: 'Ports' })).not.toBeInTheDocument();
    expect(api.listPorts).not.toHaveBeenCalled();
  });
});
