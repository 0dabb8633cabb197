import { AuthService, BackstageCredentials, DiscoveryService } from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import type { Backup, RestoreBackupRequest, Sandbox } from '@internal/plugin-sandbox-common';

/** Client of the sandbox backend's backup routes (`/api/sandbox/.../backups`), on behalf of a caller. */
export class SandboxBackupClient {
  constructor(
    private readonly options: { discovery: DiscoveryService; auth: AuthService; fetch?: typeof fetch },
  ) {}

  createBackup(sandboxId: string, credentials: BackstageCredentials, signal?: AbortSignal): Promise<Backup> {
    return this.request('POST', `/sandboxes/${encodeURIComponent(sandboxId)}/backups`, credentials, signal, {});
  }

  restore(backupId: string, body: RestoreBackupRequest, credentials: BackstageCredentials, signal?: AbortSignal): Promise<Sandbox> {
    return this.request('POST', `/backups/${encodeURIComponent(backupId)}/restore`, credentials, signal, body);
  }

  private async request<T>(method: string, path: string, credentials: BackstageCredentials, signal?: AbortSignal, body?: unknown): Promise<T> {
    const baseUrl = await this.options.discovery.getBaseUrl('sandbox');
    const { token } = await this.options.auth.getPluginRequestToken({ onBehalfOf: credentials, targetPluginId: 'sandbox' });
    const response = await (this.options.fetch ?? fetch)(`${baseUrl}${path}`, {
      method,
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/json',
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    if (!response.ok) {
      const error = await ResponseError.fromResponse(response);
      const { name, message } = error.cause;
      error.message = `Sandbox API ${method} ${path} failed with ${error.statusCode} ${error.statusText}${message ? `: ${name}: ${message}` : ''}`;
      throw error;
    }
    return (await response.json()) as T;
  }
}
