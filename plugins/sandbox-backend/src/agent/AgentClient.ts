import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import type { ExecResult } from '@internal/plugin-sandbox-common';
import { lstatSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { Duplex, Readable } from 'node:stream';
import type { AgentEndpoint } from '../drivers/types';

/** The sandbox user's uid: the owner a Docker sandbox's agent socket must have. */
export const SANDBOX_AGENT_UID = 1000;

export interface AgentExecRequest {
  command: string[];
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  stdin?: string;
  maxOutputBytes?: number;
}

/** One event of a streamed exec. */
export type AgentExecEvent =
  | { type: 'stdout' | 'stderr'; data: string }
  | { type: 'exit'; exitCode: number; timedOut: boolean; durationMs: number };

export interface AgentFileEntry {
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
  size: number;
  mode: number;
  mtime: string;
}

export interface AgentFileStat extends Omit<AgentFileEntry, 'name'> {
  path: string;
  linkTarget?: string;
}

/** The agent refused or failed a request; `status` is its HTTP status. */
export class AgentError extends Error {
  name = 'AgentError';
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

/** A request body larger than allowed (HTTP 413 through Backstage's error middleware). */
export class PayloadTooLargeError extends Error {
  name = 'PayloadTooLargeError';
  readonly statusCode = 413;
}

/**
 * Talks to one sandbox's agent (agent/portal-agent.js) over its unix socket or TCP port.
 *
 * The unix socket lives in a host directory that the sandbox can write to, so before each new
 * connection the path is checked with lstat: it must be a socket (not a symlink the sandbox put
 * there to point the backend at another socket of the host) owned by the sandbox user. Every
 * answer must carry the agent's `x-portal-agent` header, or it is refused.
 */
export class AgentClient {
  private readonly agent: http.Agent;

  constructor(readonly endpoint: AgentEndpoint) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 32, keepAliveMsecs: 10_000 });
    // every pooled connection goes through the socket check
    (this.agent as unknown as { createConnection: unknown }).createConnection = (
      _options: unknown,
      callback: (error: Error | null, socket?: net.Socket) => void,
    ) => {
      try {
        return this.connectRaw();
      } catch (e) {
        callback(e as Error);
        return undefined;
      }
    };
  }

  close(): void {
    this.agent.destroy();
  }

  /** Opens a plain connection to the agent (after checking a unix socket path). */
  connectRaw(): net.Socket {
    const ep = this.endpoint;
    if (ep.kind === 'tcp') {
      return net.connect({ host: ep.host, port: ep.port });
    }
    checkSocketPath(ep.socketPath, ep.uid ?? SANDBOX_AGENT_UID);
    return net.connect({ path: ep.socketPath });
  }

  async health(): Promise<{ ok: boolean; version: string; pid: number; uid?: number }> {
    return this.json('GET', '/v1/health');
  }

  async exec(request: AgentExecRequest): Promise<ExecResult & { truncated?: boolean }> {
    return this.json('POST', '/v1/exec', { body: request, timeoutMs: (request.timeoutMs ?? 300_000) + 15_000 });
  }

  /** Streams a command's output; `signal` aborting kills the command's process group. */
  async *execStream(request: AgentExecRequest, signal?: AbortSignal): AsyncGenerator<AgentExecEvent> {
    const res = await this.request('POST', '/v1/exec', {
      body: JSON.stringify({ ...request, stream: true }),
      headers: { 'content-type': 'application/json' },
      signal,
    });
    await this.ensureOk(res);
    let buffered = '';
    for await (const chunk of res) {
      buffered += (chunk as Buffer).toString('utf8');
      for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.trim()) yield JSON.parse(line) as AgentExecEvent;
      }
    }
  }

  stat(p: string): Promise<AgentFileStat> {
    return this.json('GET', `/v1/files/stat?path=${encodeURIComponent(p)}`);
  }

  list(p: string): Promise<{ path: string; entries: AgentFileEntry[] }> {
    return this.json('GET', `/v1/files/list?path=${encodeURIComponent(p)}`);
  }

  mkdir(p: string, options: { parents?: boolean } = {}): Promise<{ path: string }> {
    return this.json('POST', `/v1/files/mkdir?path=${encodeURIComponent(p)}${options.parents ? '&parents=1' : ''}`);
  }

  remove(p: string, options: { recursive?: boolean } = {}): Promise<{ path: string; removed: boolean }> {
    return this.json('DELETE', `/v1/files?path=${encodeURIComponent(p)}${options.recursive ? '&recursive=1' : ''}`);
  }

  /** The content of a file as a stream, with its size. */
  async readFile(p: string): Promise<{ size: number; stream: Readable }> {
    const res = await this.request('GET', `/v1/files?path=${encodeURIComponent(p)}`);
    await this.ensureOk(res);
    return { size: Number(res.headers['content-length'] ?? 0), stream: res };
  }

  /** Writes a file atomically (temp file + rename inside the sandbox). */
  async writeFile(
    p: string,
    content: Readable | Buffer | string,
    options: { mode?: number; parents?: boolean } = {},
  ): Promise<{ path: string; size: number }> {
    const query = `path=${encodeURIComponent(p)}${options.mode !== undefined ? `&mode=${options.mode.toString(8)}` : ''}${options.parents ? '&parents=1' : ''}`;
    const res = await this.request('PUT', `/v1/files?${query}`, { body: content });
    return this.readJson(res);
  }

  /** A tar of `p` (its last path component at the archive's root). */
  async downloadArchive(p: string): Promise<Readable> {
    const res = await this.request('GET', `/v1/archive?path=${encodeURIComponent(p)}`);
    await this.ensureOk(res);
    return res;
  }

  /** Extracts a tar into the directory `p` (created when missing). */
  async uploadArchive(p: string, tar: Readable): Promise<{ path: string }> {
    const res = await this.request('PUT', `/v1/archive?path=${encodeURIComponent(p)}`, { body: tar });
    return this.readJson(res);
  }

  /** Listening TCP ports inside the sandbox. */
  ports(): Promise<{ items: Array<{ port: number; process?: string }> }> {
    return this.json('GET', '/v1/ports');
  }

  /** A raw byte stream to `127.0.0.1:<port>` inside the sandbox (HTTP CONNECT through the agent). */
  openPortStream(port: number): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      let socket: net.Socket;
      try {
        socket = this.connectRaw();
      } catch (e) {
        reject(e);
        return;
      }
      const auth = this.endpoint.kind === 'tcp' ? `authorization: Bearer ${this.endpoint.token}\r\n` : '';
      socket.once('error', e => reject(new ServiceUnavailableError(`sandbox agent unreachable: ${e.message}`)));
      socket.write(`CONNECT 127.0.0.1:${port} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\n${auth}\r\n`);
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) {
          if (head.length > 16 * 1024) socket.destroy(new Error('agent answered a CONNECT with a huge header'));
          return;
        }
        socket.off('data', onData);
        const header = head.subarray(0, end).toString('latin1');
        const rest = head.subarray(end + 4);
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(header)?.[1] ?? 0);
        if (!/\r\nx-portal-agent:/i.test(header)) {
          socket.destroy();
          reject(new ServiceUnavailableError('the sandbox agent socket answered without the agent header'));
          return;
        }
        if (status !== 200) {
          socket.destroy();
          reject(
            status === 502
              ? new ServiceUnavailableError(`nothing listens on port ${port} inside the sandbox`)
              : new AgentError(`agent refused the port tunnel: ${header.split('\r\n')[0]}`, status),
          );
          return;
        }
        socket.removeAllListeners('error');
        if (rest.length) socket.unshift(rest);
        resolve(socket);
      };
      socket.on('data', onData);
    });
  }

  // --- plumbing ---

  private request(
    method: string,
    urlPath: string,
    options: {
      body?: Readable | Buffer | string;
      headers?: Record<string, string>;
      timeoutMs?: number;
      signal?: AbortSignal;
    } = {},
  ): Promise<http.IncomingMessage> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.endpoint.kind === 'tcp') headers.authorization = `Bearer ${this.endpoint.token}`;
    return new Promise((resolve, reject) => {
      const req = http.request({
        agent: this.agent,
        method,
        path: urlPath,
        host: 'agent',
        headers,
        signal: options.signal,
      });
      if (options.timeoutMs) {
        req.setTimeout(options.timeoutMs, () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
      }
      req.on('error', e =>
        reject(e instanceof AgentError || (e as Error).name === 'AbortError' || isAgentUserError(e)
          ? e
          : new ServiceUnavailableError(`sandbox agent unreachable: ${(e as Error).message}`)),
      );
      req.on('response', res => {
        if (!res.headers['x-portal-agent']) {
          res.resume();
          reject(new ServiceUnavailableError('the sandbox agent socket answered without the agent header'));
          return;
        }
        resolve(res);
      });
      const body = options.body;
      if (body instanceof Readable) {
        body.on('error', e => req.destroy(e));
        body.pipe(req);
      } else {
        req.end(body);
      }
    });
  }

  private async json<T>(method: string, urlPath: string, options: { body?: unknown; timeoutMs?: number } = {}): Promise<T> {
    const res = await this.request(method, urlPath, {
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      headers: options.body === undefined ? {} : { 'content-type': 'application/json' },
      timeoutMs: options.timeoutMs,
    });
    return this.readJson(res);
  }

  private async readJson<T>(res: http.IncomingMessage): Promise<T> {
    await this.ensureOk(res);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
  }

  private async ensureOk(res: http.IncomingMessage): Promise<void> {
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return;
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    let message = Buffer.concat(chunks).toString('utf8');
    try {
      message = JSON.parse(message).error.message;
    } catch {
      /* not JSON */
    }
    throw errorFor(status, message);
  }
}

function errorFor(status: number, message: string): Error {
  switch (status) {
    case 400:
      return new InputError(message);
    case 403:
      return new NotAllowedError(message);
    case 404:
      return new NotFoundError(message);
    case 409:
      return new ConflictError(message);
    case 413:
      return new PayloadTooLargeError(message);
    default:
      return new AgentError(`sandbox agent: ${message}`, status);
  }
}

/**
 * Refuses a socket path the sandbox may have tampered with: the directory must be a real
 * directory, the path a socket (lstat: a symlink is not followed) owned by `uid`.
 */
export function checkSocketPath(socketPath: string, uid: number): void {
  const dir = lstatSync(path.dirname(socketPath), { throwIfNoEntry: false });
  if (!dir?.isDirectory()) {
    throw new ServiceUnavailableError(`sandbox agent directory ${path.dirname(socketPath)} is missing`);
  }
  const st = lstatSync(socketPath, { throwIfNoEntry: false });
  if (!st) throw new ServiceUnavailableError('the sandbox agent is not running (no socket)');
  if (!st.isSocket()) {
    throw new NotAllowedError(`refusing ${socketPath}: not a socket (${st.isSymbolicLink() ? 'a symlink' : 'another file type'})`);
  }
  if (st.uid !== uid) {
    throw new NotAllowedError(`refusing ${socketPath}: owned by uid ${st.uid}, expected ${uid}`);
  }
}

const shared = new Map<string, AgentClient>();

/** One client (with its pool of kept-alive connections) per agent endpoint, process-wide. */
export function agentClientFor(endpoint: AgentEndpoint): AgentClient {
  const key =
    endpoint.kind === 'unix'
      ? `unix:${endpoint.socketPath}:${endpoint.uid ?? SANDBOX_AGENT_UID}`
      : `tcp:${endpoint.host}:${endpoint.port}:${endpoint.token}`;
  let client = shared.get(key);
  if (!client) {
    if (shared.size >= 256) {
      const [oldestKey, oldest] = shared.entries().next().value as [string, AgentClient];
      oldest.close();
      shared.delete(oldestKey);
    }
    client = new AgentClient(endpoint);
    shared.set(key, client);
  }
  return client;
}

/** Errors of the agent that carry their own HTTP status (passed on to the caller as they are). */
export function isAgentUserError(e: unknown): e is Error {
  return (
    e instanceof Error &&
    ['InputError', 'NotFoundError', 'ConflictError', 'NotAllowedError', 'ServiceUnavailableError', 'PayloadTooLargeError'].includes(e.name)
  );
}
