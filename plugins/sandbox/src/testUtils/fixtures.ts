import { ResponseError } from '@backstage/errors';
import type {
  AuditEntry,
  Backup,
  Sandbox,
  SandboxWithHistory,
  WorkspaceActivityDay,
  WorkspaceDetails,
  WorkspaceQuota,
} from '@internal/plugin-sandbox-common';
import { PLAN_DEFAULT_QUOTAS, SANDBOX_SIZES } from '@internal/plugin-sandbox-common';
import type { PermissionApi } from '@backstage/plugin-permission-react';
import type { SandboxApi, WorkspaceListItem } from '../api';

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

/** A workspace as `GET /workspaces` lists it. */
export function makeWorkspace(overrides: Partial<WorkspaceListItem> = {}): WorkspaceListItem {
  const name = overrides.name ?? 'team-a';
  return {
    name,
    title: `Team ${name}`,
    plan: 'team',
    archived: false,
    createdAt: '2025-01-01T09:00:00.000Z',
    createdBy: 'user:default/alice',
    myRole: 'owner',
    ...overrides,
  };
}

/** Effective quota of a `team` workspace using 2 sandboxes, 1.5 vCPU, 2.5 GiB, 15 GiB. */
export function makeQuota(overrides: Partial<WorkspaceQuota> = {}): WorkspaceQuota {
  return {
    plan: 'team',
    limits: { ...PLAN_DEFAULT_QUOTAS.team },
    overrides: {},
    usage: { sandboxes: 2, vcpus: 1.5, memoryMiB: 2560, diskGiB: 15 },
    ...overrides,
  };
}

/** A workspace as `GET /workspaces/:name` returns it. */
export function makeWorkspaceDetails(overrides: Partial<WorkspaceDetails> = {}): WorkspaceDetails {
  return {
    ...makeWorkspace(overrides),
    description: 'The team-a workspace',
    members: [
      {
        memberRef: 'user:default/alice',
        role: 'owner',
        addedAt: '2025-01-01T09:00:00.000Z',
        addedBy: 'user:default/alice',
      },
      {
        memberRef: 'group:default/team-a',
        role: 'member',
        addedAt: '2025-01-02T09:00:00.000Z',
        addedBy: 'user:default/alice',
      },
    ],
    quota: makeQuota(),
    ...overrides,
  };
}

/** `count` days of activity ending 2025-01-30, with `created` = day of month. */
export function makeActivity(count = 30): WorkspaceActivityDay[] {
  return Array.from({ length: count }, (_, i) => ({
    day: new Date(Date.UTC(2025, 0, 31 - count + i)).toISOString().slice(0, 10),
    created: (i % 5) + 1,
    failures: i === count - 1 ? 2 : 0,
    runningHours: i * 0.5,
  }));
}

export function makeAuditEntry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    id: 100,
    at: '2025-01-30T10:00:00.000Z',
    actor: 'user:default/alice',
    action: 'sandbox.create',
    targetType: 'sandbox',
    targetId: 'sbx-my-box',
    workspace: 'team-a',
    outcome: 'success',
    requestId: 'req-1',
    ...overrides,
  };
}

/** A complete manual backup of sandbox `sbx-my-box`. */
export function makeBackup(overrides: Partial<Backup> = {}): Backup {
  return {
    id: 'bk-20250130100000-0001',
    sandboxId: 'sbx-my-box',
    sandboxName: 'my-box',
    workspace: 'team-a',
    state: 'complete',
    trigger: 'manual',
    sizeBytes: 3 * 1024 * 1024,
    sha256: 'ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12',
    createdAt: '2025-01-30T10:00:00.000Z',
    createdBy: 'user:default/alice',
    completedAt: '2025-01-30T10:00:02.000Z',
    durationMs: 2400,
    ...overrides,
  };
}

/** The ResponseError the client throws for a Backstage JSON error. */
export async function responseError(
  status: number,
  name: string,
  message: string,
): Promise<ResponseError> {
  return ResponseError.fromResponse(
    new Response(JSON.stringify({ error: { name, message }, response: { statusCode: status } }), {
      status,
      statusText: name,
      headers: { 'Content-Type': 'application/json' },
    }),
  );
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
    resizeSandbox: jest.fn(),
    pauseSandbox: jest.fn(),
    resumeSandbox: jest.fn(),
    listPorts: jest.fn().mockResolvedValue([]),
    portUrl: jest.fn(),
    listBackups: jest.fn().mockResolvedValue([]),
    createBackup: jest.fn(),
    restoreBackup: jest.fn(),
    deleteBackup: jest.fn(),
    getBackupSchedule: jest.fn().mockResolvedValue(undefined),
    setBackupSchedule: jest.fn(),
    deleteBackupSchedule: jest.fn(),
    listApiKeys: jest.fn().mockResolvedValue([]),
    createApiKey: jest.fn(),
    revokeApiKey: jest.fn(),
    listWorkspaces: jest.fn().mockResolvedValue([]),
    createWorkspace: jest.fn(),
    getWorkspace: jest.fn(),
    updateWorkspace: jest.fn(),
    archiveWorkspace: jest.fn(),
    unarchiveWorkspace: jest.fn(),
    setWorkspaceMember: jest.fn(),
    removeWorkspaceMember: jest.fn(),
    getWorkspaceQuota: jest.fn(),
    setWorkspaceQuotaOverrides: jest.fn(),
    getWorkspaceActivity: jest.fn().mockResolvedValue([]),
    listAuditEntries: jest.fn().mockResolvedValue({ items: [] }),
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
