import { screen, waitFor } from '@testing-library/react';
import { renderTestApp } from '@backstage/frontend-test-utils';
import { createTestEntityPage } from '@backstage/plugin-catalog-react/testUtils';
import type { Entity } from '@backstage/catalog-model';
import { sandboxApiRef } from '../api';
import { SANDBOX_ID_ANNOTATION } from '../constants';
import { sandboxRouteRef } from '../routes';
import { makeSandboxWithHistory, mockSandboxApi } from '../testUtils/fixtures';
import { sandboxStatusEntityCard } from './entityCards';

function resource(overrides: { type?: string; annotations?: Record<string, string> } = {}): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name: 'sandbox-my-box',
      namespace: 'team-a',
      annotations: overrides.annotations ?? { [SANDBOX_ID_ANNOTATION]: 'sbx-card' },
    },
    spec: { type: overrides.type ?? 'sandbox', owner: 'group:default/team-a' },
  };
}

function render(entity: Entity, api = mockSandboxApi()) {
  renderTestApp({
    extensions: [createTestEntityPage({ entity }), sandboxStatusEntityCard],
    apis: [[sandboxApiRef, api]],
    mountedRoutes: { '/sandboxes/:id': sandboxRouteRef },
  });
  return api;
}

describe('sandboxStatusEntityCard', () => {
  it('shows the state, size and links of the sandbox a Resource stands for', async () => {
    const api = render(
      resource(),
      mockSandboxApi({
        getSandbox: jest.fn().mockResolvedValue(
          makeSandboxWithHistory({ id: 'sbx-card', state: 'stopped' }),
        ),
      }),
    );

    expect(await screen.findByText('stopped')).toBeInTheDocument();
    expect(api.getSandbox).toHaveBeenCalledWith('sbx-card');
    expect(screen.getByText('small (0.5 vCPU, 512 MiB, 5 GiB disk)')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Open in VS Code' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Open in JetBrains Gateway' })).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Catalog entity' })).not.toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'View sandbox details' })).toHaveAttribute(
      'href',
      '/sandboxes/sbx-card',
    );
  });

  it('shows the reason of a failed sandbox', async () => {
    render(
      resource(),
      mockSandboxApi({
        getSandbox: jest.fn().mockResolvedValue(
          makeSandboxWithHistory({ id: 'sbx-card', state: 'failed', reason: 'OOM killed' }),
        ),
      }),
    );
    expect(await screen.findByText('OOM killed')).toBeInTheDocument();
  });

  it('shows the error when the sandbox cannot be loaded', async () => {
    render(
      resource(),
      mockSandboxApi({ getSandbox: jest.fn().mockRejectedValue(new Error('backend down')) }),
    );
    expect(await screen.findByText('backend down')).toBeInTheDocument();
  });

  it.each([
    ['a Component', { ...resource(), kind: 'Component', spec: { type: 'service' } }],
    ['a Resource of another type', resource({ type: 'database' })],
    ['a sandbox Resource without the id annotation', resource({ annotations: {} })],
  ])('is absent for %s', async (_, entity) => {
    const api = render(entity as Entity);
    expect(await screen.findByTestId('empty-entity-page')).toBeInTheDocument();
    expect(screen.queryByText('Sandbox')).not.toBeInTheDocument();
    await waitFor(() => expect(api.getSandbox).not.toHaveBeenCalled());
  });
});
