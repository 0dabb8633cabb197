import http from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { DriverError, DriverUnavailableError } from '../types';

/**
 * A small client for the Docker Engine API on a unix socket (node:http with `socketPath`, no
 * dockerode): JSON requests, error mapping, multiplexed-stream demux for logs and exec, hijacked
 * exec start and tar uploads through the archive API. Only the calls the Docker driver needs.
 */

/** The engine API version every path is prefixed with (Debian bookworm's docker.io speaks 1.41). */
export const DOCKER_API_VERSION = 'v1.41';

/** An error answer of the engine (status >= 400), with the engine's own message. */
export class DockerEngineError extends DriverError {
  name = 'DockerEngineError';
  constructor(message: string, readonly statusCode: number) {
    super(message);
  }
}

/** The engine answered 404 (no such container / image / volume / network / exec). */
export class DockerNotFoundError extends DockerEngineError {
  name = 'DockerNotFoundError';
}

/** The engine answered 409 (name in use, container not running, volume in use, ...). */
export class DockerConflictError extends DockerEngineError {
  name = 'DockerConflictError';
}

/** Maps an engine error answer to an error of the right class. */
export function engineError(
  statusCode: number,
  body: Buffer | string,
  what: string,
): DockerEngineError {
  const text = body.toString().trim();
  let message = text;
  try {
    const parsed = JSON.parse(text);
    if (parsed && typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // not JSON: keep the text
  }
  if (!message) message = http.STATUS_CODES[statusCode] ?? 'unknown error';
  const full = `${what}: ${message} (HTTP ${statusCode})`;
  if (statusCode === 404) return new DockerNotFoundError(full, statusCode);
  if (statusCode === 409) return new DockerConflictError(full, statusCode);
  return new DockerEngineError(full, statusCode);
}

export function isNotFound(error: unknown): error is DockerNotFoundError {
  return error instanceof DockerNotFoundError;
}

export function isConflict(error: unknown): error is DockerConflictError {
  return error instanceof DockerConflictError;
}

/** Stream ids in the engine's multiplexed stream format. */
export type StdStream = 'stdin' | 'stdout' | 'stderr';
const STREAM_IDS: Record<number, StdStream> = {
  0: 'stdin',
  1: 'stdout',
  2: 'stderr',
};

/**
 * Splits the engine's multiplexed stream (used for logs and exec of containers without a TTY):
 * frames of an 8-byte header `[stream, 0, 0, 0, size (uint32 big-endian)]` followed by `size`
 * bytes. Frames may arrive split across chunks. A stream whose first header is not valid is passed
 * through as raw stdout (what a TTY container sends).
 */
export class MultiplexedStreamDemuxer {
  private pending: Buffer = Buffer.alloc(0);
  private raw = false;
  private sawHeader = false;

  constructor(
    private readonly onFrame: (stream: StdStream, data: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.raw) {
      this.onFrame('stdout', chunk);
      return;
    }
    this.pending = this.pending.length
      ? Buffer.concat([this.pending, chunk])
      : chunk;
    while (this.pending.length >= 8) {
      const type = this.pending[0];
      const valid =
        type in STREAM_IDS &&
        this.pending[1] === 0 &&
        this.pending[2] === 0 &&
        this.pending[3] === 0;
      if (!valid) {
        if (!this.sawHeader) {
          // Not multiplexed at all: raw output.
          this.raw = true;
          const rest = this.pending;
          this.pending = Buffer.alloc(0);
          this.onFrame('stdout', rest);
          return;
        }
        throw new DriverError(
          'malformed multiplexed stream from the Docker engine',
        );
      }
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) return;
      this.sawHeader = true;
      const data = this.pending.subarray(8, 8 + size);
      this.pending = this.pending.subarray(8 + size);
      if (size > 0) this.onFrame(STREAM_IDS[type], data);
    }
  }

  /** Call at the end of the stream; a short leftover is raw output or a truncated frame. */
  end(): void {
    if (this.pending.length && !this.sawHeader)
      this.onFrame('stdout', this.pending);
    this.pending = Buffer.alloc(0);
  }
}

/** Collects demuxed output: each stream separately and both in arrival order, with a size cap. */
export class OutputCollector {
  readonly stdout: Buffer[] = [];
  readonly stderr: Buffer[] = [];
  readonly combined: Buffer[] = [];
  private bytes = { stdout: 0, stderr: 0 };
  /** The streams that hit the cap. */
  readonly truncatedStreams = new Set<'stdout' | 'stderr'>();

  constructor(private readonly maxBytesPerStream = 8 * 1024 * 1024) {}

  readonly add = (stream: StdStream, data: Buffer): void => {
    if (stream === 'stdin') return;
    const room = this.maxBytesPerStream - this.bytes[stream];
    if (room <= 0) {
      this.truncatedStreams.add(stream);
      return;
    }
    const part = data.length > room ? data.subarray(0, room) : data;
    if (part.length < data.length) this.truncatedStreams.add(stream);
    this.bytes[stream] += part.length;
    this[stream].push(part);
    this.combined.push(part);
  };

  get truncated(): boolean {
    return this.truncatedStreams.size > 0;
  }

  text(stream: 'stdout' | 'stderr' | 'combined'): string {
    return Buffer.concat(this[stream]).toString('utf8');
  }
}

/** Splits a complete multiplexed buffer. */
export function demuxBuffer(buffer: Buffer): {
  stdout: string;
  stderr: string;
  combined: string;
} {
  const out = new OutputCollector(Number.MAX_SAFE_INTEGER);
  const demux = new MultiplexedStreamDemuxer(out.add);
  demux.push(buffer);
  demux.end();
  return {
    stdout: out.text('stdout'),
    stderr: out.text('stderr'),
    combined: out.text('combined'),
  };
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  /** JSON-serialised unless a Buffer or a stream. */
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Human-readable operation for error messages, e.g. `create container x`. */
  what?: string;
}

export interface EngineResponse {
  statusCode: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface ExecOptions {
  Cmd: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
}

export interface ExecOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
  truncated: boolean;
  /** The client gave up waiting (the exec may still run inside the container). */
  clientTimedOut: boolean;
}

/** The parts of `GET /containers/{id}/json` the driver reads. */
export interface ContainerInspect {
  Id: string;
  Name: string;
  Created: string;
  State: {
    Status:
      | 'created'
      | 'running'
      | 'paused'
      | 'restarting'
      | 'removing'
      | 'exited'
      | 'dead';
    Running: boolean;
    OOMKilled: boolean;
    Dead: boolean;
    ExitCode: number;
    Error: string;
    StartedAt: string;
    FinishedAt: string;
  };
  Config: {
    User: string;
    Labels: Record<string, string> | null;
    Image: string;
    Env: string[] | null;
  };
  HostConfig: {
    NanoCpus: number;
    Memory: number;
    MemorySwap: number;
    PidsLimit: number | null;
    NetworkMode: string;
  };
  Mounts: Array<{
    Type: string;
    Name?: string;
    Source: string;
    Destination: string;
  }>;
}

export interface ContainerSummary {
  Id: string;
  Names: string[];
  State: string;
  Labels: Record<string, string> | null;
}

export interface VolumeInfo {
  Name: string;
  Labels: Record<string, string> | null;
  Mountpoint: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** Connection errors that mean nothing listens on the socket. */
const UNREACHABLE_CODES = ['ECONNREFUSED', 'ENOENT', 'EACCES', 'ENOTSOCK'];

export class DockerEngineClient {
  readonly socketPath: string;
  private readonly apiPrefix: string;

  constructor(options: { socketPath: string; apiVersion?: string }) {
    this.socketPath = options.socketPath;
    this.apiPrefix = `/${options.apiVersion ?? DOCKER_API_VERSION}`;
  }

  private path(path: string, query?: RequestOptions['query']): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) params.set(key, String(value));
    }
    const qs = params.toString();
    return `${this.apiPrefix}${path}${qs ? `?${qs}` : ''}`;
  }

  private unreachable(error: Error): DriverUnavailableError {
    return new DriverUnavailableError(
      `Docker engine not reachable at ${this.socketPath}: ${error.message}. Start it with ` +
        'scripts/services/docker.sh (docker_start) or set sandbox.docker.socketPath',
    );
  }

  /** One request; resolves with any status (callers map errors). Connection failures reject. */
  async request(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<EngineResponse> {
    const { body } = options;
    const isStream = typeof (body as Readable | undefined)?.pipe === 'function';
    const isBuffer = Buffer.isBuffer(body);
    const payload =
      body === undefined || isStream
        ? undefined
        : isBuffer
        ? body
        : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { ...options.headers };
    if (payload) {
      headers['Content-Type'] ??= 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const what = options.what ?? `${method} ${path}`;
    return new Promise<EngineResponse>((resolve, reject) => {
      const req = http.request({
        socketPath: this.socketPath,
        method,
        path: this.path(path, options.query),
        headers,
        agent: false,
        signal: options.signal,
      });
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        reject(error);
      };
      req.setTimeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, () => {
        req.destroy(
          new DriverError(
            `${what}: no answer from the Docker engine within ${
              options.timeoutMs ?? DEFAULT_TIMEOUT_MS
            } ms`,
          ),
        );
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (error instanceof DriverError || error.name === 'AbortError')
          fail(error);
        else if (UNREACHABLE_CODES.includes(error.code ?? ''))
          fail(this.unreachable(error));
        else fail(new DriverError(`${what}: ${error.message}`));
      });
      req.on('response', res => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error: Error) =>
          fail(new DriverError(`${what}: ${error.message}`)),
        );
        res.on('end', () => {
          if (settled) return;
          settled = true;
          resolve({
            statusCode: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          });
        });
      });
      if (isStream) {
        const stream = body as Readable;
        stream.on('error', (error: Error) =>
          req.destroy(new DriverError(`${what}: ${error.message}`)),
        );
        stream.pipe(req);
      } else {
        req.end(payload);
      }
    });
  }

  /** A request whose answer must be 2xx; returns the parsed JSON body (undefined when empty). */
  async call<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<T> {
    const res = await this.request(method, path, options);
    if (res.statusCode >= 400)
      throw engineError(
        res.statusCode,
        res.body,
        options.what ?? `${method} ${path}`,
      );
    if (res.body.length === 0) return undefined as T;
    const type = String(res.headers['content-type'] ?? '');
    if (!type.includes('json')) return res.body.toString() as T;
    return JSON.parse(res.body.toString()) as T;
  }

  /** Like {@link call}, but a 404 yields undefined. */
  async callOptional<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<T | undefined> {
    try {
      return await this.call<T>(method, path, options);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async ping(signal?: AbortSignal): Promise<void> {
    const res = await this.request('GET', '/_ping', {
      signal,
      timeoutMs: 5_000,
      what: 'ping',
    });
    if (res.statusCode !== 200)
      throw this.unreachable(
        new Error(`_ping answered HTTP ${res.statusCode}`),
      );
  }

  inspectContainer(id: string): Promise<ContainerInspect | undefined> {
    return this.callOptional<ContainerInspect>(
      'GET',
      `/containers/${encodeURIComponent(id)}/json`,
      {
        what: `inspect container ${id}`,
      },
    );
  }

  listContainers(
    filters: Record<string, string[]>,
  ): Promise<ContainerSummary[]> {
    return this.call<ContainerSummary[]>('GET', '/containers/json', {
      query: { all: true, filters: JSON.stringify(filters) },
      what: 'list containers',
    });
  }

  createContainer(
    name: string,
    body: Record<string, unknown>,
  ): Promise<{ Id: string; Warnings: string[] }> {
    return this.call('POST', '/containers/create', {
      query: { name },
      body,
      what: `create container ${name}`,
    });
  }

  /** Starts a container; already running (304) is fine. */
  async startContainer(id: string): Promise<void> {
    await this.call('POST', `/containers/${encodeURIComponent(id)}/start`, {
      what: `start container ${id}`,
    });
  }

  /** Stops a container (SIGTERM, then SIGKILL after `timeoutSeconds`); already stopped (304) is fine. */
  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.call('POST', `/containers/${encodeURIComponent(id)}/stop`, {
      query: { t: timeoutSeconds },
      timeoutMs: (timeoutSeconds + 30) * 1000,
      what: `stop container ${id}`,
    });
  }

  /** Force-removes a container; true when it existed. */
  async removeContainer(id: string): Promise<boolean> {
    try {
      await this.call('DELETE', `/containers/${encodeURIComponent(id)}`, {
        query: { force: true, v: true },
        timeoutMs: 60_000,
        what: `remove container ${id}`,
      });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  inspectImage(
    ref: string,
  ): Promise<{ Id: string; Config?: { User?: string } } | undefined> {
    // Image references keep their slashes and colon: the engine's router matches `/images/{name:.*}/json`.
    return this.callOptional('GET', `/images/${ref}/json`, {
      what: `inspect image ${ref}`,
    });
  }

  inspectNetwork(
    name: string,
  ): Promise<{ Name: string; Id: string } | undefined> {
    return this.callOptional('GET', `/networks/${encodeURIComponent(name)}`, {
      what: `inspect network ${name}`,
    });
  }

  inspectVolume(name: string): Promise<VolumeInfo | undefined> {
    return this.callOptional<VolumeInfo>(
      'GET',
      `/volumes/${encodeURIComponent(name)}`,
      {
        what: `inspect volume ${name}`,
      },
    );
  }

  listVolumes(filters: Record<string, string[]>): Promise<VolumeInfo[]> {
    return this.call<{ Volumes: VolumeInfo[] | null }>('GET', '/volumes', {
      query: { filters: JSON.stringify(filters) },
      what: 'list volumes',
    }).then(res => res.Volumes ?? []);
  }

  createVolume(
    name: string,
    labels: Record<string, string>,
  ): Promise<VolumeInfo> {
    return this.call<VolumeInfo>('POST', '/volumes/create', {
      body: { Name: name, Labels: labels },
      what: `create volume ${name}`,
    });
  }

  /** Removes a volume; true when it existed. A volume still in use is a conflict (409). */
  async removeVolume(name: string): Promise<boolean> {
    try {
      await this.call('DELETE', `/volumes/${encodeURIComponent(name)}`, {
        what: `remove volume ${name}`,
      });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** The container's output (stdout and stderr in arrival order); containers without a TTY. */
  async logs(
    id: string,
    tail?: number,
  ): Promise<{ stdout: string; stderr: string; combined: string }> {
    const res = await this.request(
      'GET',
      `/containers/${encodeURIComponent(id)}/logs`,
      {
        query: {
          stdout: true,
          stderr: true,
          tail: tail === undefined ? 'all' : Math.max(0, Math.floor(tail)),
        },
        what: `logs of container ${id}`,
      },
    );
    if (res.statusCode >= 400)
      throw engineError(res.statusCode, res.body, `logs of container ${id}`);
    return demuxBuffer(res.body);
  }

  /**
   * Uploads a tar stream and extracts it at `path` in the container (works on created and stopped
   * containers too: the engine mounts the container's volumes for the extraction).
   */
  async putArchive(
    id: string,
    path: string,
    tar: Readable,
    timeoutMs = 5 * 60_000,
  ): Promise<void> {
    const what = `upload to ${path} in container ${id}`;
    const res = await this.request(
      'PUT',
      `/containers/${encodeURIComponent(id)}/archive`,
      {
        query: { path },
        body: tar,
        headers: { 'Content-Type': 'application/x-tar' },
        timeoutMs,
        what,
      },
    );
    if (res.statusCode >= 400)
      throw engineError(res.statusCode, res.body, what);
  }

  /**
   * Runs a command in a running container: creates the exec, starts it on a hijacked connection
   * (`Upgrade: tcp`), demuxes stdout/stderr until the engine closes the stream, then reads the exit
   * code. `timeoutMs` bounds the wait on the client side.
   */
  async exec(
    id: string,
    options: ExecOptions,
    limits: { timeoutMs: number; maxOutputBytes?: number },
  ): Promise<ExecOutcome> {
    const created = await this.call<{ Id: string }>(
      'POST',
      `/containers/${encodeURIComponent(id)}/exec`,
      {
        body: {
          AttachStdin: false,
          AttachStdout: true,
          AttachStderr: true,
          Tty: false,
          Cmd: options.Cmd,
          ...(options.Env ? { Env: options.Env } : {}),
          ...(options.WorkingDir ? { WorkingDir: options.WorkingDir } : {}),
          ...(options.User ? { User: options.User } : {}),
        },
        what: `exec in container ${id}`,
      },
    );
    const output = new OutputCollector(limits.maxOutputBytes);
    const clientTimedOut = await this.startHijacked(
      `/exec/${created.Id}/start`,
      { Detach: false, Tty: false },
      output,
      limits.timeoutMs,
      `exec in container ${id}`,
    );
    let info: { Running: boolean; ExitCode: number | null } | undefined;
    for (let attempt = 0; attempt < 50; attempt++) {
      info = await this.call<{ Running: boolean; ExitCode: number | null }>(
        'GET',
        `/exec/${created.Id}/json`,
        {
          what: `inspect exec in container ${id}`,
        },
      );
      if (!info.Running || clientTimedOut) break;
      await new Promise(r => setTimeout(r, 20));
    }
    const marked = (stream: 'stdout' | 'stderr') =>
      output.text(stream) +
      (output.truncatedStreams.has(stream) ? '\n[output truncated]' : '');
    return {
      exitCode: info?.Running ? -1 : info?.ExitCode ?? -1,
      stdout: marked('stdout'),
      stderr: marked('stderr'),
      truncated: output.truncated,
      clientTimedOut,
    };
  }

  /** POSTs `body` to `path` on a hijacked connection and demuxes what follows. Resolves true on client timeout. */
  private startHijacked(
    path: string,
    body: unknown,
    output: OutputCollector,
    timeoutMs: number,
    what: string,
  ): Promise<boolean> {
    const payload = Buffer.from(JSON.stringify(body));
    return new Promise<boolean>((resolve, reject) => {
      let settled = false;
      let socket: Socket | undefined;
      const finish = (error?: Error, timedOut = false) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(timedOut);
      };
      const timer = setTimeout(() => {
        socket?.destroy();
        req.destroy();
        finish(undefined, true);
      }, timeoutMs);
      const demux = new MultiplexedStreamDemuxer(output.add);
      const consume = (stream: Readable, head?: Buffer) => {
        try {
          if (head?.length) demux.push(head);
        } catch (error) {
          finish(error as Error);
          return;
        }
        stream.on('data', (chunk: Buffer) => {
          try {
            demux.push(chunk);
          } catch (error) {
            stream.destroy();
            finish(error as Error);
          }
        });
        stream.on('end', () => {
          demux.end();
          finish();
        });
        stream.on('close', () => {
          demux.end();
          finish();
        });
        stream.on('error', (error: Error) =>
          finish(new DriverError(`${what}: ${error.message}`)),
        );
      };
      const req = http.request({
        socketPath: this.socketPath,
        method: 'POST',
        path: this.path(path),
        agent: false,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': String(payload.length),
          Connection: 'Upgrade',
          Upgrade: 'tcp',
        },
      });
      req.on('upgrade', (_res, upgraded: Socket, head: Buffer) => {
        socket = upgraded;
        consume(upgraded, head);
      });
      req.on('response', res => {
        if ((res.statusCode ?? 0) >= 400) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            finish(
              engineError(res.statusCode ?? 0, Buffer.concat(chunks), what),
            ),
          );
          return;
        }
        // An engine that does not switch protocols streams the output as the response body.
        consume(res);
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (UNREACHABLE_CODES.includes(error.code ?? ''))
          finish(this.unreachable(error));
        else finish(new DriverError(`${what}: ${error.message}`));
      });
      req.end(payload);
    });
  }
}
