import http from 'node:http';
import { AddressInfo } from 'node:net';
import { mockServices } from '@backstage/backend-test-utils';
import {
  createSandboxRequestSchema,
  formatZodError,
  jetbrainsGatewayLink,
  SANDBOX_SIZES,
  sandboxEntityRef,
  SandboxState,
  SandboxWithHistory,
  vscodeRemoteLink,
} from '@internal/plugin-sandbox-common';

/** One scripted step: the state a sandbox moves to on the next `GET /sandboxes/:id`. */
export interface ScriptedState {
  state: SandboxState;
  reason?: string;
}

/** A request as the fake server saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  body?: any;
  /** The principal the bearer token authenticated as (user ref or service subject). */
  principal?: string;
}

export interface FakeSandboxServerOptions {
  /** States a new sandbox walks through, one per GET. Default: provisioning, running. */
  createScript?: ScriptedState[];
  /** States a deleting sandbox walks through, one per GET. Default: deleted. */
  deleteScript?: ScriptedState[];
  /** Leave out the IDE links (as a backend without an SSH gateway would). */
  withoutIdeLinks?: boolean;
  /** Scripted steps taken per GET (more than one: states come and go between two polls). */
  stepsPerGet?: number;
}

/** Which requests an injected failure applies to. */
export interface FailureMatcher {
  method?: string;
  /** Path prefix below `/api/sandbox`, e.g. `/sandboxes/`. */
  path?: string;
}

/**
 * A stand-in for the sandbox backend's REST API on 127.0.0.1 and a random port: the same routes,
 * status codes and Backstage error JSON, authenticated with the mock auth service's tokens, and
 * sandboxes that move through a scripted list of states as they are polled.
 */
export class FakeSandboxServer {
  readonly requests: RecordedRequest[] = [];
  readonly sandboxes = new Map<string, SandboxWithHistory>();
  createScript: ScriptedState[];
  deleteScript: ScriptedState[];

  readonly #server: http.Server;
  readonly #auth = mockServices.auth({ pluginId: 'sandbox' });
  readonly #scripts = new Map<string, ScriptedState[]>();
  readonly #failures: Array<{
    status: number;
    name: string;
    message: string;
    matcher: FailureMatcher;
  }> = [];
  readonly #withoutIdeLinks: boolean;
  readonly #stepsPerGet: number;
  #nextId = 1;

  static async start(
    options: FakeSandboxServerOptions = {},
  ): Promise<FakeSandboxServer> {
    const server = new FakeSandboxServer(options);
    await new Promise<void>(resolve =>
      server.#server.listen(0, '127.0.0.1', resolve),
    );
    return server;
  }

  private constructor(options: FakeSandboxServerOptions) {
    this.createScript = options.createScript ?? [
      { state: 'provisioning' },
      { state: 'running' },
    ];
    this.deleteScript = options.deleteScript ?? [{ state: 'deleted' }];
    this.#withoutIdeLinks = options.withoutIdeLinks ?? false;
    this.#stepsPerGet = options.stepsPerGet ?? 1;
    this.#server = http.createServer((req, res) => {
      this.#handle(req, res).catch(error => {
        this.#sendError(res, 500, 'Error', String(error));
      });
    });
  }

  /** Base URL to hand out from the mock discovery service (like `/api/sandbox`). */
  get baseUrl(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/api/sandbox`;
  }

  /** Answer the next (matching) request with this error instead of handling it. */
  failNext(
    status: number,
    name: string,
    message: string,
    matcher: FailureMatcher = {},
  ) {
    this.#failures.push({ status, name, message, matcher });
  }

  /** Requests of one method and path prefix, e.g. `('POST', '/sandboxes')`. */
  requestsTo(method: string, pathPrefix: string): RecordedRequest[] {
    return this.requests.filter(
      r => r.method === method && r.path.startsWith(pathPrefix),
    );
  }

  async stop() {
    this.#server.closeAllConnections();
    await new Promise(resolve => this.#server.close(resolve));
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/^\/api\/sandbox/, '');
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
    }
    const raw = Buffer.concat(chunks).toString('utf8');
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: raw ? JSON.parse(raw) : undefined,
    };
    this.requests.push(recorded);

    const failureIndex = this.#failures.findIndex(
      ({ matcher }) =>
        (!matcher.method || matcher.method === recorded.method) &&
        (!matcher.path || path.startsWith(matcher.path)),
    );
    if (failureIndex >= 0) {
      const [failure] = this.#failures.splice(failureIndex, 1);
      this.#sendError(res, failure.status, failure.name, failure.message);
      return;
    }

    const token = req.headers.authorization?.match(/^Bearer (.+)$/)?.[1];
    let userRef: string | undefined;
    try {
      const credentials = await this.#auth.authenticate(token ?? '');
      if (this.#auth.isPrincipal(credentials, 'user')) {
        userRef = credentials.principal.userEntityRef;
        recorded.principal = userRef;
      } else if (this.#auth.isPrincipal(credentials, 'service')) {
        recorded.principal = credentials.principal.subject;
      }
    } catch (error) {
      this.#sendError(res, 401, 'AuthenticationError', String(error));
      return;
    }

    const idMatch = path.match(/^\/sandboxes\/([^/]+)$/);
    if (req.method === 'POST' && path === '/sandboxes') {
      this.#create(res, recorded.body, userRef ?? 'user:default/service');
    } else if (req.method === 'GET' && path === '/sandboxes') {
      this.#list(res, url.searchParams, userRef);
    } else if (req.method === 'GET' && idMatch) {
      const sandbox = this.#find(res, decodeURIComponent(idMatch[1]));
      if (sandbox) {
        this.#advance(sandbox);
        this.#send(res, 200, sandbox);
      }
    } else if (req.method === 'DELETE' && idMatch) {
      const sandbox = this.#find(res, decodeURIComponent(idMatch[1]));
      if (sandbox) {
        this.#moveTo(sandbox, { state: 'deleting' });
        this.#scripts.set(sandbox.id, [...this.deleteScript]);
        const { transitions: _transitions, ...rest } = sandbox;
        this.#send(res, 202, rest);
      }
    } else {
      this.#sendError(res, 404, 'NotFoundError', `No route ${path}`);
    }
  }

  #create(res: http.ServerResponse, body: unknown, owner: string) {
    const parsed = createSandboxRequestSchema.safeParse(body);
    if (!parsed.success) {
      this.#sendError(res, 400, 'InputError', formatZodError(parsed.error));
      return;
    }
    const request = parsed.data;
    const clash = [...this.sandboxes.values()].find(
      s =>
        s.workspace === request.workspace &&
        s.name === request.name &&
        s.state !== 'deleted',
    );
    if (clash) {
      this.#sendError(
        res,
        409,
        'ConflictError',
        `Sandbox '${request.name}' already exists in workspace '${request.workspace}'`,
      );
      return;
    }
    const id = `sbx-${this.#nextId++}`;
    const now = new Date().toISOString();
    const sshHost = `${request.name}.sandbox.portal.test`;
    const sandbox: SandboxWithHistory = {
      id,
      name: request.name,
      workspace: request.workspace,
      owner,
      ownerGroup: request.ownerGroup,
      template: request.template,
      image: `portal-sandbox/${request.template}`,
      size: SANDBOX_SIZES[request.size],
      env: request.env,
      repo: request.repo,
      network: request.network,
      ttlSeconds: request.ttlSeconds,
      idleTimeoutSeconds: request.idleTimeoutSeconds,
      labels: request.labels,
      state: 'pending',
      driver: 'fake',
      createdAt: now,
      updatedAt: now,
      links: {
        portal: `http://portal.test/sandboxes/${id}`,
        ...(!this.#withoutIdeLinks && {
          vscode: vscodeRemoteLink({
            sshHost,
            sshUser: 'dev',
            path: '/workspace',
          }),
          jetbrainsGateway: jetbrainsGatewayLink({
            sshHost,
            sshUser: 'dev',
            path: '/workspace',
          }),
        }),
      },
      entityRef: sandboxEntityRef(request.workspace, request.name),
      transitions: [{ from: null, to: 'pending', at: now }],
    };
    this.sandboxes.set(id, sandbox);
    this.#scripts.set(id, [...this.createScript]);
    const { transitions: _transitions, ...rest } = sandbox;
    this.#send(res, 201, rest);
  }

  #list(
    res: http.ServerResponse,
    params: URLSearchParams,
    userRef: string | undefined,
  ) {
    const limit = Number(params.get('limit') ?? 50);
    const offset = Number(params.get('cursor') ?? 0);
    const all = [...this.sandboxes.values()].filter(
      s =>
        (!userRef || s.owner === userRef) &&
        (!params.get('workspace') || s.workspace === params.get('workspace')) &&
        (!params.get('owner') || s.owner === params.get('owner')) &&
        (!params.get('state') || s.state === params.get('state')),
    );
    const items = all
      .slice(offset, offset + limit)
      .map(({ transitions: _t, ...rest }) => rest);
    const next = offset + limit;
    this.#send(res, 200, {
      items,
      totalCount: all.length,
      ...(next < all.length && { nextCursor: String(next) }),
    });
  }

  #find(res: http.ServerResponse, id: string) {
    const sandbox = this.sandboxes.get(id);
    if (!sandbox) {
      this.#sendError(res, 404, 'NotFoundError', `No sandbox with id '${id}'`);
    }
    return sandbox;
  }

  #advance(sandbox: SandboxWithHistory) {
    for (let i = 0; i < this.#stepsPerGet; i++) {
      const next = this.#scripts.get(sandbox.id)?.shift();
      if (next) {
        this.#moveTo(sandbox, next);
      }
    }
  }

  #moveTo(sandbox: SandboxWithHistory, step: ScriptedState) {
    const at = new Date().toISOString();
    sandbox.transitions.push({
      from: sandbox.state,
      to: step.state,
      at,
      ...(step.reason && { reason: step.reason }),
    });
    sandbox.state = step.state;
    sandbox.updatedAt = at;
    if (step.reason) {
      sandbox.reason = step.reason;
    }
  }

  #send(res: http.ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  #sendError(
    res: http.ServerResponse,
    status: number,
    name: string,
    message: string,
  ) {
    this.#send(res, status, {
      error: { name, message },
      request: { method: 'unknown', url: 'unknown' },
      response: { statusCode: status },
    });
  }
}
