import { ConflictError, InputError, NotImplementedError, ServiceUnavailableError } from '@backstage/errors';
import type { ExecResult } from '@internal/plugin-sandbox-common';
import http from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { Transform } from 'node:stream';
import {
  AgentClient,
  agentClientFor,
  AgentExecEvent,
  AgentFileEntry,
  AgentFileStat,
  PayloadTooLargeError,
} from '../agent/AgentClient';
import type { SandboxRecord } from '../database/SandboxStore';
import type { AgentEndpoint, SandboxDriver } from '../drivers/types';

/** Default cap on tar uploads and downloads and on single-file writes: 64 MiB. */
export const DEFAULT_MAX_TRANSFER_BYTES = 64 * 1024 * 1024;

export interface InsideExecRequest {
  command: string[];
  cwd?: string;
  env?: Record<string, string>;
  timeoutSeconds: number;
  stdin?: string;
}

/** Where a proxied request goes: a port inside a sandbox and the path (with query) to ask it. */
export interface PortTarget {
  sandboxId: string;
  port: number;
  /** Path and query as the server inside should see them, starting with `/`. */
  path: string;
  /** The public prefix the portal serves this port under (for Location rewrites, X-Forwarded-Prefix). */
  prefix?: string;
}

export interface InsideServiceOptions {
  /** The sandbox row (throws NotFoundError for unknown ids). */
  getRecord(id: string): Promise<SandboxRecord>;
  driver: SandboxDriver;
  /** Marks the sandbox active (idle timeouts). */
  touch?(id: string): Promise<void>;
  /** The public URL of a port's proxy, e.g. `<backend>/api/sandbox/sandboxes/<id>/ports/<port>/`. */
  portUrl(sandboxId: string, port: number): string;
  maxTransferBytes?: number;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Everything that happens inside a running sandbox: commands, files, archives, ports and the
 * HTTP / WebSocket port proxy, through the sandbox's agent. Every operation first checks the
 * sandbox is `running` (a paused one is refused with a message saying to resume it).
 */
export class InsideService {
  readonly maxTransferBytes: number;

  constructor(private readonly options: InsideServiceOptions) {
    this.maxTransferBytes = options.maxTransferBytes ?? DEFAULT_MAX_TRANSFER_BYTES;
  }

  /** Runs a command to completion (through the agent; the driver's exec when there is none). */
  async exec(sandboxId: string, request: InsideExecRequest): Promise<ExecResult> {
    const { record, client } = await this.target(sandboxId, { allowNoAgent: true });
    if (!client) {
      if (request.stdin !== undefined) {
        throw new NotImplementedError('stdin needs the portal agent, which this sandbox does not run');
      }
      return this.options.driver.exec(record.externalId!, {
        command: request.command,
        cwd: request.cwd,
        env: request.env,
        timeoutSeconds: request.timeoutSeconds,
      });
    }
    const { truncated: _t, ...result } = await client.exec(agentExecRequest(request));
    return result;
  }

  /** Runs a command and yields its output as it comes, then its exit. */
  async *execStream(sandboxId: string, request: InsideExecRequest, signal?: AbortSignal): AsyncGenerator<AgentExecEvent> {
    const { record, client } = await this.target(sandboxId, { allowNoAgent: true });
    if (!client) {
      const result = await this.options.driver.exec(record.externalId!, {
        command: request.command,
        cwd: request.cwd,
        env: request.env,
        timeoutSeconds: request.timeoutSeconds,
      });
      if (result.stdout) yield { type: 'stdout', data: result.stdout };
      if (result.stderr) yield { type: 'stderr', data: result.stderr };
      yield { type: 'exit', exitCode: result.exitCode, timedOut: result.timedOut, durationMs: result.durationMs };
      return;
    }
    yield* client.execStream(agentExecRequest(request), signal);
  }

  async stat(sandboxId: string, path: string): Promise<AgentFileStat> {
    return (await this.agentOf(sandboxId)).stat(path);
  }

  async list(sandboxId: string, path: string): Promise<{ path: string; entries: AgentFileEntry[] }> {
    return (await this.agentOf(sandboxId)).list(path);
  }

  async readFile(sandboxId: string, path: string): Promise<{ size: number; stream: Readable }> {
    return (await this.agentOf(sandboxId)).readFile(path);
  }

  /** Writes a file atomically; more than the transfer cap is refused (413). */
  async writeFile(
    sandboxId: string,
    path: string,
    content: Readable | Buffer | string,
    options: { mode?: number; parents?: boolean; size?: number } = {},
  ): Promise<{ path: string; size: number }> {
    let size = options.size;
    if (typeof content === 'string') size ??= Buffer.byteLength(content);
    else if (Buffer.isBuffer(content)) size ??= content.length;
    this.checkSize(size);
    const client = await this.agentOf(sandboxId);
    const body = typeof content === 'string' || Buffer.isBuffer(content) ? content : this.capped(content);
    return client.writeFile(path, body, options);
  }

  async mkdir(sandboxId: string, path: string, options: { parents?: boolean } = {}): Promise<{ path: string }> {
    return (await this.agentOf(sandboxId)).mkdir(path, options);
  }

  async remove(sandboxId: string, path: string, options: { recursive?: boolean } = {}) {
    return (await this.agentOf(sandboxId)).remove(path, options);
  }

  /** A tar of `path`; refused (413) when its content is larger than the transfer cap. */
  async downloadArchive(sandboxId: string, path: string): Promise<Readable> {
    const client = await this.agentOf(sandboxId);
    const du = await client.exec({ command: ['du', '-sb', '--', path], timeoutMs: 60_000 });
    if (du.exitCode !== 0) {
      // the agent's own error (missing path) is clearer than du's
      await client.stat(path);
    }
    this.checkSize(Number(du.stdout.split(/\s/)[0]) || 0);
    return (await client.downloadArchive(path)).pipe(this.capped());
  }

  /** Extracts a tar into the directory `path`; more than the transfer cap is refused (413). */
  async uploadArchive(sandboxId: string, path: string, tar: Readable, size?: number): Promise<{ path: string }> {
    this.checkSize(size);
    const client = await this.agentOf(sandboxId);
    return client.uploadArchive(path, this.capped(tar));
  }

  /** Listening TCP ports inside the sandbox, with their proxy URLs. */
  async listPorts(sandboxId: string): Promise<{ items: Array<{ port: number; url: string; process?: string }> }> {
    const { items } = await (await this.agentOf(sandboxId)).ports();
    return { items: items.map(i => ({ ...i, url: this.options.portUrl(sandboxId, i.port) })) };
  }

  /** A raw TCP byte stream to `port` inside the sandbox. */
  async openPortStream(sandboxId: string, port: number): Promise<Duplex> {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new InputError(`port: must be between 1 and 65535, got ${port}`);
    }
    const client = await this.agentOf(sandboxId, { proxy: true });
    return client.openPortStream(port);
  }

  /** Proxies one HTTP request to a port inside the sandbox and pipes the answer back. */
  async proxyHttp(req: http.IncomingMessage, res: http.ServerResponse, target: PortTarget): Promise<void> {
    const stream = await this.openPortStream(target.sandboxId, target.port);
    await new Promise<void>((resolve, reject) => {
      // a one-connection agent that hands out the tunnel
      const agent = new http.Agent({ keepAlive: false });
      (agent as unknown as { createConnection: () => Duplex }).createConnection = () => stream;
      const upstream = http.request({
        agent,
        method: req.method,
        path: target.path,
        headers: forwardHeaders(req, target),
      });
      upstream.on('error', e => {
        if (!res.headersSent) reject(new ServiceUnavailableError(`port ${target.port}: ${e.message}`));
        else {
          res.destroy(e);
          resolve();
        }
      });
      upstream.on('response', answer => {
        const headers: http.OutgoingHttpHeaders = {};
        for (const [k, v] of Object.entries(answer.headers)) {
          if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
        }
        const location = answer.headers.location;
        if (target.prefix && location && location.startsWith('/') && !location.startsWith('//')) {
          headers.location = `${target.prefix.replace(/\/$/, '')}${location}`;
        }
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, headers);
        answer.pipe(res);
        const flush = (res as { flush?: () => void }).flush;
        if (flush && answer.headers['content-length'] === undefined) {
          // a streamed answer (SSE, long poll): the backend's compression must not hold it back
          answer.on('data', () => setImmediate(() => flush.call(res)));
        }
        answer.on('end', resolve);
        answer.on('error', e => {
          res.destroy(e);
          resolve();
        });
      });
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      req.pipe(upstream);
    });
  }

  /**
   * Proxies a WebSocket (any HTTP upgrade) to a port inside the sandbox: the request is replayed on
   * a tunnel to the port, then bytes flow both ways. Failures answer an HTTP error on the socket.
   */
  async proxyUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, target: PortTarget): Promise<void> {
    let stream: Duplex;
    try {
      stream = await this.openPortStream(target.sandboxId, target.port);
    } catch (e) {
      writeUpgradeError(socket, e as Error);
      return;
    }
    const headers = forwardHeaders(req, target, true);
    const lines = [`${req.method} ${target.path} HTTP/1.1`];
    for (const [k, v] of Object.entries(headers)) {
      for (const value of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${value}`);
    }
    stream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head?.length) stream.write(head);
    stream.pipe(socket);
    socket.pipe(stream);
    stream.on('error', () => socket.destroy());
    socket.on('error', () => stream.destroy());
    stream.on('close', () => socket.destroy());
    socket.on('close', () => stream.destroy());
  }

  // --- internals ---

  private async agentOf(sandboxId: string, options: { proxy?: boolean } = {}): Promise<AgentClient> {
    return (await this.target(sandboxId, options)).client!;
  }

  private async target(
    sandboxId: string,
    options: { allowNoAgent?: boolean; proxy?: boolean } = {},
  ): Promise<{ record: SandboxRecord; client?: AgentClient }> {
    const record = await this.options.getRecord(sandboxId);
    if (record.state !== 'running' || !record.externalId) {
      const message =
        record.state === 'paused'
          ? `Sandbox '${record.name}' is paused; resume it first`
          : `Sandbox '${record.name}' is ${record.state}; only running sandboxes can be reached`;
      // a browser following a preview link gets 503 (the app is not there right now)
      throw options.proxy ? new ServiceUnavailableError(message) : new ConflictError(message);
    }
    await this.options.touch?.(sandboxId);
    const endpoint = await this.options.driver.agentEndpoint?.(record.externalId);
    if (!endpoint) {
      if (options.allowNoAgent) return { record };
      throw new NotImplementedError(
        `Sandbox '${record.name}' does not run the portal agent (created before it, or its driver has none); recreate it to use files and ports`,
      );
    }
    return { record, client: this.clientFor(endpoint) };
  }

  private clientFor(endpoint: AgentEndpoint): AgentClient {
    return agentClientFor(endpoint);
  }

  private checkSize(size: number | undefined) {
    if (size !== undefined && size > this.maxTransferBytes) {
      throw new PayloadTooLargeError(
        `${size} bytes is more than the limit of ${this.maxTransferBytes} bytes (${Math.round(this.maxTransferBytes / 1048576)} MiB)`,
      );
    }
  }

  /** Passes bytes through until the cap, then fails the stream with PayloadTooLargeError. */
  private capped(source?: Readable): Transform {
    let seen = 0;
    const limit = this.maxTransferBytes;
    const guard = new Transform({
      transform(chunk: Buffer, _enc, done) {
        seen += chunk.length;
        if (seen > limit) done(new PayloadTooLargeError(`more than the limit of ${limit} bytes`));
        else done(null, chunk);
      },
    });
    if (source) {
      source.on('error', e => guard.destroy(e));
      source.pipe(guard);
    }
    return guard;
  }

}

function agentExecRequest(request: InsideExecRequest) {
  return {
    command: request.command,
    cwd: request.cwd,
    env: request.env,
    timeoutMs: request.timeoutSeconds * 1000,
    ...(request.stdin !== undefined ? { stdin: request.stdin } : {}),
  };
}

/**
 * The request headers the server inside sees: hop-by-hop headers and the portal's own
 * credentials (Authorization, the Backstage auth cookie) are removed; X-Forwarded-* are set.
 */
export function forwardHeaders(req: http.IncomingMessage, target: PortTarget, upgrade = false): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || k === 'authorization' || k === 'host') continue;
    if (HOP_BY_HOP.has(k) && !(upgrade && (k === 'upgrade' || k === 'connection'))) continue;
    headers[k] = v;
  }
  const cookie = req.headers.cookie
    ?.split(';')
    .map(c => c.trim())
    .filter(c => c && !c.startsWith('backstage-auth='))
    .join('; ');
  if (cookie) headers.cookie = cookie;
  else delete headers.cookie;
  headers.host = `localhost:${target.port}`;
  const originalHost = req.headers['x-forwarded-host'] ?? req.headers.host;
  if (originalHost) headers['x-forwarded-host'] = originalHost;
  headers['x-forwarded-proto'] = (req.headers['x-forwarded-proto'] as string) ?? ((req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http');
  if (target.prefix) headers['x-forwarded-prefix'] = target.prefix.replace(/\/$/, '');
  return headers;
}

function writeUpgradeError(socket: Duplex, error: Error) {
  const status =
    (error as { statusCode?: number }).statusCode ??
    ({ NotFoundError: 404, ConflictError: 409, NotAllowedError: 403, ServiceUnavailableError: 503, NotImplementedError: 501, InputError: 400 } as Record<string, number>)[error.name] ??
    500;
  const body = JSON.stringify({ error: { name: error.name, message: error.message } });
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export { writeUpgradeError };
