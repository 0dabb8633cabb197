import type { DiscoveryApi, FetchApi } from '@backstage/frontend-plugin-api';
import { ResponseError } from '@backstage/errors';
import type {
  Backup,
  BackupScheduleRequest,
  CreateApiKeyRequest,
  CreatedApiKey,
  CreateSandboxRequest,
  CreateWorkspaceRequest,
  ExecRequest,
  ExecResult,
  ListSandboxesQuery,
  RestoreBackupRequest,
  Sandbox,
  SandboxList,
  SandboxWithHistory,
  WorkspaceActivityDay,
  WorkspaceDetails,
  WorkspaceMember,
  WorkspaceQuota,
  WorkspaceRole,
} from '@internal/plugin-sandbox-common';
import type {
  AuditPage,
  AuditQuery,
  BackupScheduleInfo,
  GetSandboxLogsOptions,
  GetWorkspaceActivityOptions,
  OllamaModel,
  QuotaOverrides,
  SandboxApi,
  SandboxPort,
  UpdateWorkspaceRequest,
  WorkspaceApiKey,
  WorkspaceListItem,
} from './SandboxApi';

/** Days of activity asked for when the caller does not say. */
export const DEFAULT_ACTIVITY_DAYS = 30;

/** `?a=1&b=2` from the values that are set (not undefined, not empty), or ''. */
function queryString(values: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== '') {
      params.set(key, String(value));
    }
  }
  const search = params.toString();
  return search ? `?${search}` : '';
}

function workspacePath(name: string): string {
  return `/workspaces/${encodeURIComponent(name)}`;
}

function sandboxPath(id: string): string {
  return `/sandboxes/${encodeURIComponent(id)}`;
}

/** Backstage's endpoint that sets the user cookie a browser tab authenticates with. */
export const COOKIE_PATH = '/.backstage/auth/v1/cookie';
/** The cookie is asked for again when it expires within this margin. */
const COOKIE_MARGIN_MS = 5 * 60_000;

/** Talks to the sandbox backend through the app's discovery and fetch APIs. */
export class SandboxClient implements SandboxApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  /** Expiry (ms) of the user cookie last issued for the port proxy. */
  private cookieExpiresAt = 0;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  createSandbox(request: CreateSandboxRequest): Promise<Sandbox> {
    return this.request('/sandboxes', { method: 'POST', body: request });
  }

  listSandboxes(query: ListSandboxesQuery = {}): Promise<SandboxList> {
    const { workspace, owner, state, limit, cursor } = query;
    return this.request(`/sandboxes${queryString({ workspace, owner, state, limit, cursor })}`);
  }

  getSandbox(id: string): Promise<SandboxWithHistory> {
    return this.request(`/sandboxes/${encodeURIComponent(id)}`);
  }

  startSandbox(id: string): Promise<Sandbox> {
    return this.request(`/sandboxes/${encodeURIComponent(id)}/start`, { method: 'POST' });
  }

  stopSandbox(id: string): Promise<Sandbox> {
    return this.request(`/sandboxes/${encodeURIComponent(id)}/stop`, { method: 'POST' });
  }

  deleteSandbox(id: string): Promise<Sandbox> {
    return this.request(`/sandboxes/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }

  async getLogs(id: string, options: GetSandboxLogsOptions = {}): Promise<string> {
    const tail = options.tail ?? 200;
    const { logs } = await this.request<{ logs: string }>(
      `/sandboxes/${encodeURIComponent(id)}/logs?tail=${encodeURIComponent(String(tail))}`,
    );
    return logs;
  }

  exec(id: string, request: ExecRequest): Promise<ExecResult> {
    return this.request(`/sandboxes/${encodeURIComponent(id)}/exec`, {
      method: 'POST',
      body: request,
    });
  }

  async listOllamaModels(): Promise<OllamaModel[]> {
    const { models } = await this.request<{ models: OllamaModel[] }>('/ollama/models');
    return models;
  }

  resizeSandbox(id: string, size: string): Promise<Sandbox> {
    return this.request(`/sandboxes/${encodeURIComponent(id)}/resize`, {
      method: 'POST',
      body: { size },
    });
  }

  pauseSandbox(id: string): Promise<Sandbox> {
    return this.request(`${sandboxPath(id)}/pause`, { method: 'POST' });
  }

  resumeSandbox(id: string): Promise<Sandbox> {
    return this.request(`${sandboxPath(id)}/resume`, { method: 'POST' });
  }

  async listPorts(id: string): Promise<SandboxPort[]> {
    const { items } = await this.request<{ items: SandboxPort[] }>(`${sandboxPath(id)}/ports`);
    const base = await this.backendUrl();
    // Best effort here (the list is still worth showing); portUrl reports a failure.
    await this.refreshCookie(base).catch(() => undefined);
    return items.map(item => ({ ...item, url: new URL(item.url, base).toString() }));
  }

  async portUrl(id: string, port: number): Promise<string> {
    const base = await this.backendUrl();
    await this.refreshCookie(base);
    return `${base}${sandboxPath(id)}/ports/${encodeURIComponent(String(port))}/`;
  }

  async listBackups(sandboxId: string): Promise<Backup[]> {
    const { items } = await this.request<{ items: Backup[] }>(`${sandboxPath(sandboxId)}/backups`);
    return items;
  }

  createBackup(sandboxId: string): Promise<Backup> {
    return this.request(`${sandboxPath(sandboxId)}/backups`, { method: 'POST', body: {} });
  }

  restoreBackup(backupId: string, request: RestoreBackupRequest): Promise<Sandbox> {
    return this.request(`/backups/${encodeURIComponent(backupId)}/restore`, {
      method: 'POST',
      body: request,
    });
  }

  async deleteBackup(backupId: string): Promise<void> {
    await this.request<void>(`/backups/${encodeURIComponent(backupId)}`, { method: 'DELETE' });
  }

  async getBackupSchedule(workspace: string): Promise<BackupScheduleInfo | undefined> {
    const schedule = await this.request<BackupScheduleInfo | null>(
      `${workspacePath(workspace)}/backup-schedule`,
    );
    return schedule ?? undefined;
  }

  setBackupSchedule(
    workspace: string,
    request: BackupScheduleRequest,
  ): Promise<BackupScheduleInfo> {
    return this.request(`${workspacePath(workspace)}/backup-schedule`, {
      method: 'PUT',
      body: request,
    });
  }

  async deleteBackupSchedule(workspace: string): Promise<void> {
    await this.request<void>(`${workspacePath(workspace)}/backup-schedule`, { method: 'DELETE' });
  }

  async listApiKeys(workspace: string): Promise<WorkspaceApiKey[]> {
    const { items } = await this.request<{ items: WorkspaceApiKey[] }>(
      `${workspacePath(workspace)}/api-keys`,
    );
    return items;
  }

  createApiKey(workspace: string, request: CreateApiKeyRequest): Promise<CreatedApiKey> {
    return this.request(`${workspacePath(workspace)}/api-keys`, { method: 'POST', body: request });
  }

  async revokeApiKey(workspace: string, keyId: string): Promise<void> {
    await this.request<void>(
      `${workspacePath(workspace)}/api-keys/${encodeURIComponent(keyId)}`,
      { method: 'DELETE' },
    );
  }

  async listWorkspaces(): Promise<WorkspaceListItem[]> {
    const { items } = await this.request<{ items: WorkspaceListItem[] }>('/workspaces');
    return items;
  }

  createWorkspace(request: CreateWorkspaceRequest): Promise<WorkspaceDetails> {
    return this.request('/workspaces', { method: 'POST', body: request });
  }

  getWorkspace(name: string): Promise<WorkspaceDetails> {
    return this.request(workspacePath(name));
  }

  updateWorkspace(name: string, request: UpdateWorkspaceRequest): Promise<WorkspaceDetails> {
    return this.request(workspacePath(name), { method: 'PATCH', body: request });
  }

  archiveWorkspace(name: string): Promise<WorkspaceDetails> {
    return this.request(`${workspacePath(name)}/archive`, { method: 'POST' });
  }

  unarchiveWorkspace(name: string): Promise<WorkspaceDetails> {
    return this.request(`${workspacePath(name)}/unarchive`, { method: 'POST' });
  }

  setWorkspaceMember(
    name: string,
    memberRef: string,
    role: WorkspaceRole,
  ): Promise<WorkspaceMember> {
    return this.request(`${workspacePath(name)}/members/${encodeURIComponent(memberRef)}`, {
      method: 'PUT',
      body: { role },
    });
  }

  async removeWorkspaceMember(name: string, memberRef: string): Promise<void> {
    await this.request<void>(`${workspacePath(name)}/members/${encodeURIComponent(memberRef)}`, {
      method: 'DELETE',
    });
  }

  getWorkspaceQuota(name: string): Promise<WorkspaceQuota> {
    return this.request(`${workspacePath(name)}/quota`);
  }

  setWorkspaceQuotaOverrides(name: string, overrides: QuotaOverrides): Promise<WorkspaceQuota> {
    return this.request(`${workspacePath(name)}/quota`, { method: 'PUT', body: overrides });
  }

  async getWorkspaceActivity(
    name: string,
    options: GetWorkspaceActivityOptions = {},
  ): Promise<WorkspaceActivityDay[]> {
    const { days } = await this.request<{ days: WorkspaceActivityDay[] }>(
      `${workspacePath(name)}/activity${queryString({
        days: options.days ?? DEFAULT_ACTIVITY_DAYS,
      })}`,
    );
    return days;
  }

  listAuditEntries(query: AuditQuery = {}): Promise<AuditPage> {
    const { workspace, actor, action, outcome, targetId, limit, cursor } = query;
    return this.request(
      `/audit${queryString({ workspace, actor, action, outcome, targetId, limit, cursor })}`,
    );
  }

  /** The backend's base URL, absolute (resolved against the page when discovery is relative). */
  private async backendUrl(): Promise<string> {
    const base = await this.discoveryApi.getBaseUrl('sandbox');
    return new URL(base, window.location.href).toString().replace(/\/+$/, '');
  }

  /**
   * Asks the backend for the Backstage user cookie (unless the last one is still
   * good), so that a preview opened in a new tab is authenticated. A backend
   * without cookie auth answers 404: nothing to do then.
   */
  private async refreshCookie(base: string): Promise<void> {
    if (Date.now() < this.cookieExpiresAt - COOKIE_MARGIN_MS) {
      return;
    }
    const response = await this.fetchApi.fetch(`${base}${COOKIE_PATH}`, {
      credentials: 'include',
    });
    if (response.status === 404) {
      return;
    }
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    const { expiresAt } = (await response.json()) as { expiresAt?: string };
    this.cookieExpiresAt = expiresAt ? Date.parse(expiresAt) : 0;
  }

  private async request<T>(
    path: string,
    options: { method?: string; body?: unknown } = {},
  ): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('sandbox');
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`, {
      method: options.method ?? 'GET',
      ...(options.body !== undefined && {
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(options.body),
      }),
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    if (response.status === 204) {
      return undefined as T;
    }
    return (await response.json()) as T;
  }
}
