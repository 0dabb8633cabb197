import http from 'node:http';
import { AddressInfo } from 'node:net';
import { mockServices } from '@backstage/backend-test-utils';
import {
  SANDBOX_SIZES,
  Sandbox,
  SandboxState,
  sandboxEntityRef,
} from '@internal/plugin-sandbox-common';

/** A request as the fake server saw it. */
export interface RecordedRequest {
  path: string;
  query: Record<string, string>;
  /** Principal the bearer token authenticated as. */
  principal?: string;
}

/**
 * `GET /api/sandbox/sandboxes` of the sandbox backend on 127.0.0.1 and a random port: cursor
 * paging, Backstage error JSON, tokens checked by the mock auth service of plugin `sandbox`.
 * Set `down` to answer 503 like a backend that is not up.
 */
export class FakeSandboxListServer {
  sandboxes: Sandbox[] = [];
  down = false;
  readonly requests: RecordedRequest[] = [];
  readonly #server: http.Server;
  readonly #auth = mockServices.auth({ pluginId: 'sandbox' });

  static async start(): Promise<FakeSandboxListServer> {
    const server = new FakeSandboxListServer();
    await new Promise<void>(resolve =>
      server.#server.listen(0, '127.0.0.1', resolve),
    );
    return server;
  }

  private constructor() {
    this.#server = http.createServer((req, res) => {
      this.#handle(req, res).catch(error =>
        this.#sendError(res, 500, 'Error', String(error)),
      );
    });
  }

  get baseUrl(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/api/sandbox`;
  }

  async stop() {
    this.#server.closeAllConnections();
    await new Promise(resolve => this.#server.close(resolve));
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const recorded: RecordedRequest = {
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
    };
    this.requests.push(recorded);
    if (this.down) {
      this.#sendError(
        res,
        503,
        'ServiceUnavailableError',
        'Sandbox backend is starting',
      );
      return;
    }
    try {
      const token = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
      const credentials = await this.#auth.authenticate(token);
      recorded.principal = this.#auth.isPrincipal(credentials, 'service')
        ? credentials.principal.subject
        : 'not-a-service';
    } catch (error) {
      this.#sendError(res, 401, 'AuthenticationError', String(error));
      return;
    }
    if (req.method !== 'GET' || url.pathname !== '/api/sandbox/sandboxes') {
      this.#sendError(res, 404, 'NotFoundError', `No route ${url.pathname}`);
      return;
    }
    const limit = Number(url.searchParams.get('limit') ?? 50);
    if (!(limit >= 1 && limit <= 200)) {
      this.#sendError(res, 400, 'InputError', 'limit: must be 1-200');
      return;
    }
    const offset = Number(url.searchParams.get('cursor') ?? 0);
    const next = offset + limit;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({
        items: this.sandboxes.slice(offset, next),
        totalCount: this.sandboxes.length,
        ...(next < this.sandboxes.length && { nextCursor: String(next) }),
      }),
    );
  }

  #sendError(
    res: http.ServerResponse,
    status: number,
    name: string,
    message: string,
  ) {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({
        error: { name, message },
        request: { method: 'GET', url: 'unknown' },
        response: { statusCode: status },
      }),
    );
  }
}

/** A sandbox as the API returns it, with overridable fields. */
export function makeSandbox(
  index: number,
  overrides: Partial<Sandbox> = {},
): Sandbox {
  const name = overrides.name ?? `box-${index}`;
  const workspace = overrides.workspace ?? 'default';
  const id = overrides.id ?? `sbx-${index}`;
  const state: SandboxState = overrides.state ?? 'running';
  return {
    id,
    name,
    workspace,
    owner: 'user:default/alice',
    ownerGroup: 'group:default/team-a',
    template: 'python',
    image: 'portal-sandbox/python:latest',
    size: SANDBOX_SIZES.small,
    env: {},
    network: false,
    ttlSeconds: null,
    idleTimeoutSeconds: null,
    labels: {},
    state,
    driver: 'docker',
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    links: {
      portal: `http://portal.test/sandboxes/${id}`,
      vscode: `vscode://vscode-remote/ssh-remote+dev%40${name}.sandbox.portal.test/workspace`,
      jetbrainsGateway: `jetbrains-gateway://connect#type=ssh&host=${name}.sandbox.portal.test`,
    },
    entityRef: sandboxEntityRef(workspace, name),
    ...overrides,
  };
}
