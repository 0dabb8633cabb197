import {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  CreateSandboxRequest,
  ListSandboxesQuery,
  Sandbox,
  SandboxList,
  SandboxWithHistory,
} from '@internal/plugin-sandbox-common';

/** Plugin id of the sandbox backend: the discovery key and the target of our service tokens. */
export const SANDBOX_PLUGIN_ID = 'sandbox';

/** Who a request is made for, and an optional signal to abort it. */
export interface SandboxRequestOptions {
  /**
   * The caller's credentials. The request carries a plugin request token issued on behalf of
   * them, so the sandbox backend sees the real user (or this plugin's own service principal).
   */
  credentials: BackstageCredentials;
  signal?: AbortSignal;
}

export interface SandboxApiClientOptions {
  discovery: DiscoveryService;
  auth: AuthService;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
}

/**
 * A small node client for the sandbox backend's REST API (`/api/sandbox`).
 *
 * Error responses become `ResponseError`s from `@backstage/errors`: `statusCode` carries the HTTP
 * status, `cause.name` the server-side error type (`ConflictError`, `InputError`, ...), and the
 * message names the call, the status and the server's message.
 */
export class SandboxApiClient {
  readonly #discovery: DiscoveryService;
  readonly #auth: AuthService;
  readonly #fetch: typeof fetch;

  constructor(options: SandboxApiClientOptions) {
    this.#discovery = options.discovery;
    this.#auth = options.auth;
    this.#fetch = options.fetch ?? fetch;
  }

  /** `POST /sandboxes`: answers 201 with the new sandbox, usually still `pending`. */
  async createSandbox(
    request: CreateSandboxRequest,
    options: SandboxRequestOptions,
  ): Promise<Sandbox> {
    return this.#request<Sandbox>('POST', '/sandboxes', options, request);
  }

  /** `GET /sandboxes/:id`, with the sandbox's state transitions. */
  async getSandbox(
    id: string,
    options: SandboxRequestOptions,
  ): Promise<SandboxWithHistory> {
    return this.#request<SandboxWithHistory>(
      'GET',
      `/sandboxes/${encodeURIComponent(id)}`,
      options,
    );
  }

  /** `GET /sandboxes`: one page; follow `nextCursor` for the next one. */
  async listSandboxes(
    query: ListSandboxesQuery,
    options: SandboxRequestOptions,
  ): Promise<SandboxList> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) {
        params.set(key, String(value));
      }
    }
    const search = params.toString();
    return this.#request<SandboxList>(
      'GET',
      `/sandboxes${search ? `?${search}` : ''}`,
      options,
    );
  }

  /** `DELETE /sandboxes/:id`: answers 202 with the sandbox in state `deleting`. */
  async deleteSandbox(
    id: string,
    options: SandboxRequestOptions,
  ): Promise<Sandbox> {
    return this.#request<Sandbox>(
      'DELETE',
      `/sandboxes/${encodeURIComponent(id)}`,
      options,
    );
  }

  async #request<T>(
    method: string,
    path: string,
    options: SandboxRequestOptions,
    body?: unknown,
  ): Promise<T> {
    const baseUrl = await this.#discovery.getBaseUrl(SANDBOX_PLUGIN_ID);
    const { token } = await this.#auth.getPluginRequestToken({
      onBehalfOf: options.credentials,
      targetPluginId: SANDBOX_PLUGIN_ID,
    });
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (token) {
      headers.Authorization = `Bearer ${token}`;
    }
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    const response = await this.#fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: options.signal,
    });
    if (!response.ok) {
      const error = await ResponseError.fromResponse(response);
      // The generic message ("Request failed with 409 Conflict") is what a task log shows; add
      // the server's own explanation so users see *why*.
      const { name, message } = error.cause;
      error.message = `Sandbox API ${method} ${
        path.split('?')[0]
      } failed with ${error.statusCode} ${error.statusText}${
        message ? `: ${name}: ${message}` : ''
      }`;
      throw error;
    }
    return (await response.json()) as T;
  }
}
