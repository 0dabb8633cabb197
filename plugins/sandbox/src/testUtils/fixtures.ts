import type { Sandbox, SandboxWithHistory } from '@internal/plugin-sandbox-common';
import { SANDBOX_SIZES } from '@internal/plugin-sandbox-common';
import type { PermissionApi } from '@backstage/plugin-permission-react';
import type { SandboxApi } from '../api';

/** A sandbox as the backend returns it, with overrides. */
export function makeSandbox(overrides: Partial<Sandbox> = {}): Sandbox {
  const name = overrides.name ?? 'my-box';
  const workspace = overrides.workspace ?? 'team-a';
  return {
    id: `sbx-${name}`,
    name,
    workspace,
    owner: 'user:default/alice',
    template: 'node',
    image: 'ghcr.io/example/node:22',
    size: SANDBOX_SIZES.small,
    env: {},
    network: false,
    ttlSeconds: null,
    idleTimeoutSeconds: null,
    labels: {},
    state: 'running',
    driver: 'docker',
    createdAt: new Date(Date.now() - 2 * 3600_000).toISOString(),
    updatedAt: new Date().toISOString(),
    links: {
      portal: `/sandboxes/sbx-${name}`,
      vscode: `vscode://vscode-remote/ssh-remote+dev%40${name}.sandbox/workspace`,
      jetbrainsGateway: `jetbrains-gateway://connect#host=${name}.sandbox`,
    },
    entityRef: `resource:${workspace}/sandbox-${name}`,
    ...overrides,
  };
}

export function makeSandboxWithHistory(
  overrides: Partial<SandboxWithHistory> = {},
): SandboxWithHistory {
  return {
    ...makeSandbox(overrides),
    transitions: overrides.transitions ?? [
      { from: null, to: 'pending', at: '2025-01-01T10:00:00.000Z' },
      { from: 'pending', to: 'provisioning', at: '2025-01-01T10:00:01.000Z' },
      { from: 'provisioning', to: 'running', at: '2025-01-01T10:00:09.000Z' },
    ],
  };
}

/** A SandboxApi whose methods are jest mocks. */
export function mockSandboxApi(partial: Partial<SandboxApi> = {}): jest.Mocked<SandboxApi> {
  return {
    createSandbox: jest.fn(),
    listSandboxes: jest.fn(),
    getSandbox: jest.fn(),
    startSandbox: jest.fn(),
    stopSandbox: jest.fn(),
    deleteSandbox: jest.fn(),
    getLogs: jest.fn().mockResolvedValue(''),
    exec: jest.fn(),
    listOllamaModels: jest.fn(),
    ...partial,
  } as jest.Mocked<SandboxApi>;
}

/**
 * Permission decisions for `mockApis.permission`, without importing
 * `@backstage/plugin-permission-common` (not a dependency of this package).
 */
type Decision = Extract<
  Awaited<ReturnType<PermissionApi['authorize']>>,
  { result: unknown }
>['result'];
export const ALLOW: Extract<Decision, 'ALLOW'> = 'ALLOW';
export const DENY: Extract<Decision, 'DENY'> = 'DENY';
