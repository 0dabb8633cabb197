import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

/** One request the fake saw. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType?: string;
  body?: any;
}

export interface ExecOutcome {
  stdout?: string;
  stderr?: string;
  exitCode?: number;
  /** Close the connection without a status. */
  hangUp?: boolean;
  /** Send nothing until the client gives up. */
  hang?: boolean;
}

type Obj = Record<string, any>;

/**
 * A tiny stand-in for the Kubernetes API server, speaking the few endpoints the driver uses:
 * custom objects (namespaced and cluster-scoped: create, get, list by label, merge patch, delete),
 * pods (list by label, log) and pod exec over WebSocket (channel protocol v4, hand-rolled framing).
 * It keeps objects in memory; `controller` runs before every read of a custom object, so a test can
 * play Crossplane (set conditions and status) the way the real controller would between two polls.
 */
export class FakeKubeApi {
  readonly requests: RecordedRequest[] = [];
  /** Custom objects by `<plural>/<namespace or ->/<name>`. */
  readonly objects = new Map<string, Obj>();
  /** Pods by `<namespace>/<name>`. */
  readonly pods = new Map<string, Obj>();
  readonly podLogs = new Map<string, string>();
  /** Secrets by `<namespace>/<name>` (read-only here: the composition makes them). */
  readonly secrets = new Map<string, Obj>();
  /** Plays Crossplane: called with each custom object before it is returned. */
  controller?: (obj: Obj, plural: string) => void;
  /** Rejects a create with 422 and these messages when it returns any. */
  validate?: (obj: Obj, plural: string) => string[];
  /** Runs an exec; default: exit 0, no output. */
  execHandler: (command: string[], pod: string) => ExecOutcome = () => ({
    exitCode: 0,
  });
  /** Deletes only set deletionTimestamp (as a finalizer would) instead of removing. */
  holdDeletes = false;
  private failures: Array<{
    method: string;
    path: RegExp;
    status: number;
    message: string;
    times: number;
  }> = [];
  private readonly sockets = new Set<Socket>();
  private server!: http.Server;
  baseUrl = '';

  static async start(): Promise<FakeKubeApi> {
    const api = new FakeKubeApi();
    api.server = http.createServer((req, res) => api.handle(req, res));
    api.server.on('upgrade', (req, socket) =>
      api.upgrade(req, socket as Socket),
    );
    api.server.on('connection', s => {
      api.sockets.add(s);
      s.on('close', () => api.sockets.delete(s));
    });
    await new Promise<void>(r => api.server.listen(0, '127.0.0.1', r));
    api.baseUrl = `http://127.0.0.1:${
      (api.server.address() as AddressInfo).port
    }`;
    return api;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise(r => this.server.close(r));
  }

  /** A KubeConfig pointing at this fake with a bearer token. */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: this.baseUrl, skipTLSVerify: true }],
      users: [{ name: 'portal', token: 'test-token' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'portal' }],
      currentContext: 'fake',
    });
    return kc;
  }

  /** The next `times` requests matching method and path answer `status` with a Status message. */
  failNext(
    method: string,
    path: RegExp,
    status: number,
    message: string,
    times = 1,
  ): void {
    this.failures.push({ method, path, status, message, times });
  }

  key(plural: string, namespace: string | undefined, name: string): string {
    return `${plural}/${namespace ?? '-'}/${name}`;
  }

  get(
    plural: string,
    namespace: string | undefined,
    name: string,
  ): Obj | undefined {
    return this.objects.get(this.key(plural, namespace, name));
  }

  put(plural: string, obj: Obj): void {
    this.objects.set(
      this.key(plural, obj.metadata.namespace, obj.metadata.name),
      obj,
    );
  }

  addPod(namespace: string, pod: Obj, log = ''): void {
    const full = { ...pod, metadata: { namespace, ...pod.metadata } };
    this.pods.set(`${namespace}/${pod.metadata.name}`, full);
    this.podLogs.set(`${namespace}/${pod.metadata.name}`, log);
  }

  /** Stores a Secret with `data` base64-encoded from plain strings. */
  addSecret(namespace: string, name: string, data: Record<string, string>): void {
    this.secrets.set(`${namespace}/${name}`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { namespace, name },
      type: 'Opaque',
      data: Object.fromEntries(
        Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      ),
    });
  }

  requestsTo(method: string, path: RegExp): RecordedRequest[] {
    return this.requests.filter(r => r.method === method && path.test(r.path));
  }

  // --- HTTP ---

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = await new Promise<string>(resolve => {
      let data = '';
      req.on('data', c => (data += c));
      req.on('end', () => resolve(data));
    });
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      contentType: req.headers['content-type'],
      body: raw ? JSON.parse(raw) : undefined,
    };
    this.requests.push(recorded);
    const send = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const status = (code: number, message: string, reason = 'Failure') =>
      send(code, {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        message,
        reason,
        code,
      });

    if (req.headers.authorization !== 'Bearer test-token')
      return status(401, 'Unauthorized');
    const failure = this.failures.find(
      f => f.method === recorded.method && f.path.test(recorded.path),
    );
    if (failure) {
      if (--failure.times <= 0)
        this.failures.splice(this.failures.indexOf(failure), 1);
      return status(failure.status, failure.message);
    }

    let m =
      /^\/apis\/([^/]+)\/([^/]+)\/(?:namespaces\/([^/]+)\/)?([a-z]+)(?:\/([^/]+))?$/.exec(
        url.pathname,
      );
    if (m) {
      const [, group, version, namespace, plural, name] = m;
      const method = recorded.method;
      if (!name && method === 'GET') {
        const selector = url.searchParams.get('labelSelector');
        const items = [...this.objects.entries()]
          .filter(([k]) => k.startsWith(`${plural}/`))
          .map(([, o]) => o)
          .filter(o => !namespace || o.metadata.namespace === namespace)
          .filter(o => matches(o.metadata.labels, selector))
          .map(o => this.observe(o, plural));
        return send(200, {
          apiVersion: `${group}/${version}`,
          kind: 'List',
          items,
          metadata: {},
        });
      }
      if (!name && method === 'POST') {
        const obj = recorded.body;
        if (obj.metadata.namespace && obj.metadata.namespace !== namespace)
          return status(400, 'namespace mismatch');
        const key = this.key(plural, namespace, obj.metadata.name);
        if (this.objects.has(key))
          return status(
            409,
            `${plural}.${group} "${obj.metadata.name}" already exists`,
            'AlreadyExists',
          );
        const errors = this.validate?.(obj, plural) ?? [];
        if (errors.length)
          return status(
            422,
            `${obj.kind} is invalid: ${errors.join('; ')}`,
            'Invalid',
          );
        const stored = {
          ...obj,
          metadata: {
            ...obj.metadata,
            ...(namespace ? { namespace } : {}),
            uid: `uid-${obj.metadata.name}`,
            creationTimestamp: new Date().toISOString(),
          },
        };
        this.objects.set(key, stored);
        return send(201, stored);
      }
      const key = this.key(plural, namespace, name);
      const obj = this.objects.get(key);
      if (!obj)
        return status(
          404,
          `${plural}.${group} "${name}" not found`,
          'NotFound',
        );
      if (method === 'GET') return send(200, this.observe(obj, plural));
      if (method === 'PATCH') {
        if (recorded.contentType !== 'application/merge-patch+json')
          return status(415, `unsupported patch type ${recorded.contentType}`);
        mergePatch(obj, recorded.body);
        return send(200, obj);
      }
      if (method === 'DELETE') {
        if (this.holdDeletes)
          obj.metadata.deletionTimestamp = new Date().toISOString();
        else this.objects.delete(key);
        return send(200, { kind: 'Status', status: 'Success' });
      }
    }
    m = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/]+)$/.exec(url.pathname);
    if (m && recorded.method === 'GET') {
      const secret = this.secrets.get(`${m[1]}/${m[2]}`);
      return secret
        ? send(200, secret)
        : status(404, `secrets "${m[2]}" not found`, 'NotFound');
    }
    m = /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+)(\/log)?)?$/.exec(
      url.pathname,
    );
    if (m) {
      const [, namespace, name, log] = m;
      if (!name) {
        const selector = url.searchParams.get('labelSelector');
        const items = [...this.pods.values()].filter(
          p =>
            p.metadata.namespace === namespace &&
            matches(p.metadata.labels, selector),
        );
        return send(200, {
          apiVersion: 'v1',
          kind: 'PodList',
          items,
          metadata: {},
        });
      }
      const pod = this.pods.get(`${namespace}/${name}`);
      if (!pod) return status(404, `pods "${name}" not found`, 'NotFound');
      if (log) {
        const lines = (this.podLogs.get(`${namespace}/${name}`) ?? '').split(
          '\n',
        );
        const tail = url.searchParams.get('tailLines');
        const text = tail
          ? lines.filter(Boolean).slice(-Number(tail)).join('\n')
          : lines.join('\n');
        return send(200, text, 'text/plain');
      }
      return send(200, pod);
    }
    return status(
      404,
      `no fake route for ${recorded.method} ${url.pathname}`,
      'NotFound',
    );
  }

  private observe(obj: Obj, plural: string): Obj {
    this.controller?.(obj, plural);
    return obj;
  }

  // --- WebSocket exec (server side of RFC 6455, just enough for the channel protocol) ---

  private upgrade(req: http.IncomingMessage, socket: Socket) {
    const url = new URL(req.url ?? '/', 'http://fake');
    this.requests.push({
      method: 'WS',
      path: url.pathname,
      query: url.searchParams,
    });
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(
      url.pathname,
    );
    if (
      !m ||
      req.headers.authorization !== 'Bearer test-token' ||
      !this.pods.has(`${m[1]}/${m[2]}`)
    ) {
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const accept = createHash('sha1')
      .update(
        `${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`,
      )
      .digest('base64');
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: v4.channel.k8s.io\r\n\r\n`,
    );
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    const outcome = this.execHandler(url.searchParams.getAll('command'), m[2]);
    if (outcome.hang) return;
    const channel = (n: number, text: string) =>
      socket.write(
        frame(0x2, Buffer.concat([Buffer.from([n]), Buffer.from(text)])),
      );
    if (outcome.stdout) channel(1, outcome.stdout);
    if (outcome.stderr) channel(2, outcome.stderr);
    if (!outcome.hangUp) {
      const code = outcome.exitCode ?? 0;
      channel(
        3,
        JSON.stringify(
          code === 0
            ? { metadata: {}, status: 'Success' }
            : {
                metadata: {},
                status: 'Failure',
                message: `command terminated with non-zero exit code: exit status ${code}`,
                reason: 'NonZeroExitCode',
                details: {
                  causes: [{ reason: 'ExitCode', message: String(code) }],
                },
              },
        ),
      );
    }
    socket.write(frame(0x8, Buffer.from([0x03, 0xe8])));
    socket.end();
  }
}

function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  let header: Buffer;
  if (length < 126) header = Buffer.from([0x80 | opcode, length]);
  else if (length < 65536) {
    header = Buffer.alloc(4);
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat([header, payload]);
}

/** `a=b,c=d` equality selectors. */
function matches(
  labels: Record<string, string> | undefined,
  selector: string | null,
): boolean {
  if (!selector) return true;
  return selector.split(',').every(term => {
    const [k, v] = term.split('=');
    return labels?.[k] === v;
  });
}

/** RFC 7386 JSON merge patch, in place. */
function mergePatch(target: Obj, patch: Obj): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete target[k];
    else if (
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      target[k] &&
      typeof target[k] === 'object'
    ) {
      mergePatch(target[k], v);
    } else target[k] = v;
  }
}
