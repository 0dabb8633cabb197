import type { DiscoveryApi, FetchApi } from '@backstage/frontend-plugin-api';
import { ResponseError } from '@backstage/errors';
import type {
  CreateSandboxRequest,
  CreateWorkspaceRequest,
  ExecRequest,
  ExecResult,
  ListSandboxesQuery,
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
  GetSandboxLogsOptions,
  GetWorkspaceActivityOptions,
  OllamaModel,
  QuotaOverrides,
  SandboxApi,
  UpdateWorkspaceRequest,
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

/** Talks to the sandbox backend through the app's discovery and fetch APIs. */
export class SandboxClient implements SandboxApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

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
