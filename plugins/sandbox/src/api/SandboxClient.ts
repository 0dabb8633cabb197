import type { DiscoveryApi, FetchApi } from '@backstage/frontend-plugin-api';
import { ResponseError } from '@backstage/errors';
import type {
  CreateSandboxRequest,
  ExecRequest,
  ExecResult,
  ListSandboxesQuery,
  Sandbox,
  SandboxList,
  SandboxWithHistory,
} from '@internal/plugin-sandbox-common';
import type { GetSandboxLogsOptions, OllamaModel, SandboxApi } from './SandboxApi';

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
    const params = new URLSearchParams();
    for (const key of ['workspace', 'owner', 'state', 'limit', 'cursor'] as const) {
      const value = query[key];
      if (value !== undefined && value !== '') {
        params.set(key, String(value));
      }
    }
    const search = params.toString();
    return this.request(`/sandboxes${search ? `?${search}` : ''}`);
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
    return (await response.json()) as T;
  }
}
