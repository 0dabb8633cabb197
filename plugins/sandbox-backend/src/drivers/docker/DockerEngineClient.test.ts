/**
 * The engine client without an engine: demux, error mapping, hijacked exec and timeouts against a
 * fake engine (node:http on a unix socket), and the driver's state mapping on canned inspect answers.
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { DriverError, DriverUnavailableError } from '../types';
import {
  ContainerInspect,
  demuxBuffer,
  DockerConflictError,
  DockerEngineClient,
  DockerEngineError,
  DockerNotFoundError,
  engineError,
  isConflict,
  isNotFound,
  MultiplexedStreamDemuxer,
  OutputCollector,
  StdStream,
} from './DockerEngineClient';
import { DockerDriver, redact } from './DockerDriver';

function frame(stream: 0 | 1 | 2, text: string | Buffer): Buffer {
  const data = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

describe('MultiplexedStreamDemuxer', () => {
  it('splits frames into stdout and stderr, also when chunks cut headers and payloads', () => {
    const all = Buffer.concat([
      frame(1, 'hello '),
      frame(2, 'oops\n'),
      frame(1, 'world\n'),
      frame(1, ''),
      frame(0, 'in'),
    ]);
    for (const cut of [1, 3, 7, 8, 9, 13, 20]) {
      const got: Array<[StdStream, string]> = [];
      const demux = new MultiplexedStreamDemuxer((s, d) =>
        got.push([s, d.toString()]),
      );
      for (let i = 0; i < all.length; i += cut)
        demux.push(all.subarray(i, i + cut));
      demux.end();
      expect(
        got
          .filter(([s]) => s === 'stdout')
          .map(([, d]) => d)
          .join(''),
      ).toBe('hello world\n');
      expect(
        got
          .filter(([s]) => s === 'stderr')
          .map(([, d]) => d)
          .join(''),
      ).toBe('oops\n');
      expect(got.some(([s]) => s === 'stdin')).toBe(true);
    }
  });

  it('keeps multi-byte characters whole when a frame splits them', () => {
    const euro = Buffer.from('€');
    const out = demuxBuffer(
      Buffer.concat([
        frame(1, euro.subarray(0, 1)),
        frame(1, euro.subarray(1)),
      ]),
    );
    expect(out.stdout).toBe('€');
  });

  it('passes a stream that is not multiplexed through as raw stdout', () => {
    expect(demuxBuffer(Buffer.from('plain tty output\n'))).toEqual({
      stdout: 'plain tty output\n',
      stderr: '',
      combined: 'plain tty output\n',
    });
    expect(demuxBuffer(Buffer.from('short'))).toMatchObject({
      stdout: 'short',
    });
    const got: string[] = [];
    const demux = new MultiplexedStreamDemuxer((_s, d) =>
      got.push(d.toString()),
    );
    demux.push(Buffer.from('raw output, first chunk'));
    demux.push(Buffer.from(' and more'));
    expect(got.join('')).toBe('raw output, first chunk and more');
  });

  it('rejects garbage after valid frames', () => {
    const demux = new MultiplexedStreamDemuxer(() => undefined);
    expect(() =>
      demux.push(
        Buffer.concat([frame(1, 'ok'), Buffer.from('garbage!garbage!')]),
      ),
    ).toThrow('malformed multiplexed stream from the Docker engine');
  });

  it('caps what it collects per stream', () => {
    const out = new OutputCollector(4);
    out.add('stdout', Buffer.from('123456'));
    out.add('stdout', Buffer.from('7'));
    out.add('stderr', Buffer.from('ab'));
    out.add('stdin', Buffer.from('ignored'));
    expect(out.text('stdout')).toBe('1234');
    expect(out.text('stderr')).toBe('ab');
    expect(out.text('combined')).toBe('1234ab');
    expect(out.truncated).toBe(true);
  });
});

describe('engine error mapping', () => {
  it('maps 404 and 409 to their classes with the engine message, others to DockerEngineError', () => {
    const notFound = engineError(
      404,
      '{"message":"No such container: x"}',
      'inspect container x',
    );
    expect(notFound).toBeInstanceOf(DockerNotFoundError);
    expect(notFound).toBeInstanceOf(DriverError);
    expect(notFound.message).toBe(
      'inspect container x: No such container: x (HTTP 404)',
    );
    expect(isNotFound(notFound)).toBe(true);
    const conflict = engineError(
      409,
      Buffer.from('{"message":"name in use"}'),
      'create',
    );
    expect(conflict).toBeInstanceOf(DockerConflictError);
    expect(isConflict(conflict)).toBe(true);
    expect(isConflict(notFound)).toBe(false);
    const other = engineError(500, 'plain text failure', 'start');
    expect(other).toBeInstanceOf(DockerEngineError);
    expect(other.message).toBe('start: plain text failure (HTTP 500)');
    expect(other.statusCode).toBe(500);
    expect(engineError(502, '', 'x').message).toBe('x: Bad Gateway (HTTP 502)');
  });

  it('hides credentials in clone URLs', () => {
    expect(
      redact('git clone of https://user:tok3n@example.com/r.git failed'),
    ).toBe('git clone of https://***@example.com/r.git failed');
    expect(redact('https://example.com/r.git')).toBe(
      'https://example.com/r.git',
    );
  });
});

type Handler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
) => void;

describe('DockerEngineClient against a fake engine', () => {
  let dir: string;
  let socketPath: string;
  let server: http.Server;
  let routes: Record<string, Handler>;
  let upgrades: Record<string, (socket: Socket, body: Buffer) => void>;
  const seen: string[] = [];
  const hijacked: Socket[] = [];
  /** A complete plain HTTP answer written on a socket the server handed over for an upgrade. */
  const rawAnswer = (
    socket: Socket,
    status: string,
    type: string,
    body: Buffer | string,
  ) => {
    const data = Buffer.isBuffer(body) ? body : Buffer.from(body);
    socket.end(
      Buffer.concat([
        Buffer.from(
          `HTTP/1.1 ${status}\r\nContent-Type: ${type}\r\nContent-Length: ${data.length}\r\n\r\n`,
        ),
        data,
      ]),
    );
  };

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fake-docker-'));
    socketPath = path.join(dir, 'd.sock');
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', c => chunks.push(c));
      req.on('end', () => {
        const key = `${req.method} ${req.url!.split('?')[0]}`;
        seen.push(`${req.method} ${req.url}`);
        const handler = routes[key];
        if (handler) handler(req, res, Buffer.concat(chunks));
        else json(res, 404, { message: `page not found: ${key}` });
      });
    });
    server.on('upgrade', (req, socket: Socket, head: Buffer) => {
      const key = `${req.method} ${req.url!.split('?')[0]}`;
      hijacked.push(socket);
      const handle = (body: Buffer) => {
        if (upgrades[key]) upgrades[key](socket, body);
        else socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      };
      // The JSON body comes with the headers (head) or right after them.
      if (head.length) handle(head);
      else socket.once('data', handle);
    });
    await new Promise<void>(resolve => server.listen(socketPath, resolve));
  });

  beforeEach(() => {
    routes = {};
    upgrades = {};
    seen.length = 0;
  });

  afterAll(async () => {
    hijacked.forEach(socket => socket.destroy());
    server.closeAllConnections();
    await new Promise(resolve => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('prefixes the API version, sends JSON and encodes query parameters', async () => {
    routes['POST /v1.41/containers/create'] = (req, res, body) => {
      expect(req.headers['content-type']).toBe('application/json');
      json(res, 201, {
        Id: 'abc',
        Warnings: [],
        got: JSON.parse(body.toString()),
      });
    };
    const client = new DockerEngineClient({ socketPath });
    await expect(
      client.createContainer('portal-sbx-1', { Image: 'x' }),
    ).resolves.toMatchObject({
      Id: 'abc',
      got: { Image: 'x' },
    });
    expect(seen).toEqual(['POST /v1.41/containers/create?name=portal-sbx-1']);
  });

  it('turns 404 into undefined where absence is an answer, and errors elsewhere', async () => {
    const client = new DockerEngineClient({ socketPath });
    routes['GET /v1.41/volumes/v'] = (_req, res) =>
      json(res, 500, { message: 'disk on fire' });
    expect(await client.inspectContainer('nope')).toBeUndefined();
    expect(
      await client.inspectImage('portal-sandbox/x:latest'),
    ).toBeUndefined();
    expect(seen[1]).toBe('GET /v1.41/images/portal-sandbox/x:latest/json');
    expect(await client.inspectNetwork('n')).toBeUndefined();
    expect(await client.removeContainer('nope')).toBe(false);
    expect(await client.removeVolume('nope')).toBe(false);
    await expect(client.inspectVolume('v')).rejects.toThrow(
      'inspect volume v: disk on fire (HTTP 500)',
    );
    await expect(client.startContainer('nope')).rejects.toBeInstanceOf(
      DockerNotFoundError,
    );
  });

  it('maps a volume in use to a conflict and returns text bodies as text', async () => {
    routes['DELETE /v1.41/volumes/busy'] = (_req, res) =>
      json(res, 409, { message: 'volume is in use' });
    routes['GET /v1.41/version'] = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('20.10');
    };
    const client = new DockerEngineClient({ socketPath });
    await expect(client.removeVolume('busy')).rejects.toBeInstanceOf(
      DockerConflictError,
    );
    expect(await client.call('GET', '/version')).toBe('20.10');
  });

  it('says the engine is unreachable when nothing listens, with how to fix it', async () => {
    const client = new DockerEngineClient({
      socketPath: path.join(dir, 'missing.sock'),
    });
    const error = await client.inspectContainer('x').catch(e => e);
    expect(error).toBeInstanceOf(DriverUnavailableError);
    expect(error.message).toMatch(
      /^Docker engine not reachable at .*missing\.sock: connect ENOENT/,
    );
    await expect(
      client.exec('x', { Cmd: ['true'] }, { timeoutMs: 1000 }),
    ).rejects.toBeInstanceOf(DriverUnavailableError);
    routes['GET /v1.41/_ping'] = (_req, res) =>
      json(res, 500, { message: 'starting' });
    await expect(new DockerEngineClient({ socketPath }).ping()).rejects.toThrow(
      /not reachable at .*: _ping answered HTTP 500/,
    );
  });

  it('gives up on a request the engine does not answer', async () => {
    routes['POST /v1.41/containers/slow/stop'] = () => undefined; // never answers
    const client = new DockerEngineClient({ socketPath });
    await expect(
      client.call('POST', '/containers/slow/stop', {
        timeoutMs: 100,
        what: 'stop slow',
      }),
    ).rejects.toThrow(
      'stop slow: no answer from the Docker engine within 100 ms',
    );
  });

  it('streams a tar body to the archive API and maps its errors', async () => {
    let received = '';
    routes['PUT /v1.41/containers/c1/archive'] = (req, res, body) => {
      expect(req.url).toBe('/v1.41/containers/c1/archive?path=%2Fworkspace');
      expect(req.headers['content-type']).toBe('application/x-tar');
      received = body.toString();
      res.writeHead(200);
      res.end();
    };
    routes['PUT /v1.41/containers/c2/archive'] = (_req, res) =>
      json(res, 400, { message: 'not a directory' });
    const client = new DockerEngineClient({ socketPath });
    await client.putArchive(
      'c1',
      '/workspace',
      Readable.from([Buffer.from('part1-'), Buffer.from('part2')]),
    );
    expect(received).toBe('part1-part2');
    await expect(
      client.putArchive('c2', '/workspace', Readable.from([Buffer.from('x')])),
    ).rejects.toThrow(
      'upload to /workspace in container c2: not a directory (HTTP 400)',
    );
    const failing = new Readable({
      read() {
        this.destroy(new Error('tar broke'));
      },
    });
    await expect(
      client.putArchive('c1', '/workspace', failing),
    ).rejects.toThrow('tar broke');
  });

  it('demuxes logs and maps their errors', async () => {
    routes['GET /v1.41/containers/c1/logs'] = (req, res) => {
      expect(req.url).toBe(
        '/v1.41/containers/c1/logs?stdout=true&stderr=true&tail=5',
      );
      res.writeHead(200);
      res.end(
        Buffer.concat([frame(1, 'a\n'), frame(2, 'b\n'), frame(1, 'c\n')]),
      );
    };
    const client = new DockerEngineClient({ socketPath });
    expect(await client.logs('c1', 5)).toEqual({
      stdout: 'a\nc\n',
      stderr: 'b\n',
      combined: 'a\nb\nc\n',
    });
    await expect(client.logs('gone')).rejects.toBeInstanceOf(
      DockerNotFoundError,
    );
  });

  describe('exec', () => {
    const execJson =
      (exitCode: number, running = false) =>
      (_req: http.IncomingMessage, res: http.ServerResponse) =>
        json(res, 200, { Running: running, ExitCode: exitCode });

    beforeEach(() => {
      routes['POST /v1.41/containers/c1/exec'] = (_req, res, body) => {
        const request = JSON.parse(body.toString());
        expect(request).toMatchObject({
          AttachStdout: true,
          AttachStderr: true,
          Tty: false,
          Cmd: ['ls'],
        });
        json(res, 201, { Id: 'e1' });
      };
      routes['GET /v1.41/exec/e1/json'] = execJson(3);
    });

    it('reads the output of a hijacked (101 Switching Protocols) connection and the exit code', async () => {
      upgrades['POST /v1.41/exec/e1/start'] = (socket, body) => {
        expect(body.toString()).toContain('{"Detach":false,"Tty":false}');
        socket.write(
          'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
        );
        socket.write(Buffer.concat([frame(1, 'out'), frame(2, 'err')]));
        setTimeout(() => socket.end(frame(1, '!')), 10);
      };
      const client = new DockerEngineClient({ socketPath });
      expect(
        await client.exec('c1', { Cmd: ['ls'] }, { timeoutMs: 2000 }),
      ).toEqual({
        exitCode: 3,
        stdout: 'out!',
        stderr: 'err',
        truncated: false,
        clientTimedOut: false,
      });
    });

    it('reads the output from a plain response when the engine does not switch protocols', async () => {
      upgrades['POST /v1.41/exec/e1/start'] = socket =>
        rawAnswer(
          socket,
          '200 OK',
          'application/vnd.docker.raw-stream',
          Buffer.concat([frame(1, 'x'.repeat(10)), frame(2, 'y')]),
        );
      const client = new DockerEngineClient({ socketPath });
      const result = await client.exec(
        'c1',
        { Cmd: ['ls'], Env: ['A=1'], WorkingDir: '/tmp', User: 'root' },
        {
          timeoutMs: 2000,
          maxOutputBytes: 4,
        },
      );
      expect(result).toMatchObject({
        exitCode: 3,
        stdout: 'xxxx\n[output truncated]',
        stderr: 'y',
        truncated: true,
      });
    });

    it('maps an exec start error', async () => {
      upgrades['POST /v1.41/exec/e1/start'] = socket =>
        rawAnswer(
          socket,
          '409 Conflict',
          'application/json',
          '{"message":"container c1 is paused"}',
        );
      const client = new DockerEngineClient({ socketPath });
      await expect(
        client.exec('c1', { Cmd: ['ls'] }, { timeoutMs: 2000 }),
      ).rejects.toThrow(
        'exec in container c1: container c1 is paused (HTTP 409)',
      );
    });

    it('rejects a malformed stream', async () => {
      upgrades['POST /v1.41/exec/e1/start'] = socket => {
        socket.write(
          'HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
        );
        socket.write(frame(1, 'ok'));
        setTimeout(() => socket.end(Buffer.from('garbage!garbage!')), 10);
      };
      const client = new DockerEngineClient({ socketPath });
      await expect(
        client.exec('c1', { Cmd: ['ls'] }, { timeoutMs: 2000 }),
      ).rejects.toThrow(/malformed/);
    });

    it('stops waiting at the client timeout and reports it', async () => {
      routes['GET /v1.41/exec/e1/json'] = execJson(0, true);
      upgrades['POST /v1.41/exec/e1/start'] = socket => {
        socket.write(
          'HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
        );
        socket.write(frame(1, 'still running'));
      };
      const client = new DockerEngineClient({ socketPath });
      expect(
        await client.exec('c1', { Cmd: ['ls'] }, { timeoutMs: 150 }),
      ).toMatchObject({
        exitCode: -1,
        stdout: 'still running',
        clientTimedOut: true,
      });
    });
  });

  describe('DockerDriver state mapping', () => {
    const base: ContainerInspect = {
      Id: 'id1',
      Name: '/portal-sbx-s1',
      Created: '2026-01-01T00:00:00Z',
      State: {
        Status: 'running',
        Running: true,
        OOMKilled: false,
        Dead: false,
        ExitCode: 0,
        Error: '',
        StartedAt: '2026-01-01T00:00:01Z',
        FinishedAt: '0001-01-01T00:00:00Z',
      },
      Config: {
        User: '1000:1000',
        Labels: { 'portal.sandbox/managed': 'true', 'portal.sandbox/id': 's1' },
        Image: 'i',
        Env: [],
      },
      HostConfig: {
        NanoCpus: 2e9,
        Memory: 1024,
        MemorySwap: 1024,
        PidsLimit: 0,
        NetworkMode: 'none',
      },
      Mounts: [],
    };
    const withState = (
      state: Partial<ContainerInspect['State']>,
    ): ContainerInspect => ({
      ...base,
      State: { ...base.State, ...state },
    });

    async function inspectAs(container: ContainerInspect) {
      routes['GET /v1.41/containers/portal-sbx-s1/json'] = (_req, res) =>
        json(res, 200, container);
      return new DockerDriver({ socketPath }).inspect('portal-sbx-s1');
    }

    it.each([
      [{ Status: 'running' as const }, 'running', undefined],
      [
        {
          Status: 'created' as const,
          Running: false,
          StartedAt: '0001-01-01T00:00:00Z',
        },
        'creating',
        undefined,
      ],
      [
        { Status: 'exited' as const, Running: false, ExitCode: 143 },
        'stopped',
        'exited with code 143',
      ],
      [
        {
          Status: 'exited' as const,
          Running: false,
          ExitCode: 137,
          OOMKilled: true,
        },
        'failed',
        'out of memory',
      ],
      [
        { Status: 'dead' as const, Running: false, Error: 'driver failed' },
        'failed',
        'driver failed',
      ],
      [
        { Status: 'dead' as const, Running: false },
        'failed',
        'container is dead',
      ],
      [{ Status: 'paused' as const }, 'paused', undefined],
      [{ Status: 'restarting' as const }, 'creating', 'restarting'],
      [
        { Status: 'removing' as const, Running: false },
        'stopped',
        'being removed',
      ],
      [
        { Status: 'weird' as never, Running: false },
        'unknown',
        'engine state weird',
      ],
    ])('maps engine state %j to %s', async (state, status, message) => {
      const instance = await inspectAs(withState(state));
      expect(instance?.status).toBe(status);
      expect(instance?.message).toBe(message);
    });

    it('reads limits back and leaves out what the engine does not set', async () => {
      const instance = await inspectAs(
        withState({
          Status: 'created',
          Running: false,
          StartedAt: '0001-01-01T00:00:00Z',
        }),
      );
      expect(instance).toEqual({
        externalId: 'portal-sbx-s1',
        sandboxId: 's1',
        status: 'creating',
        labels: base.Config.Labels,
        limits: {
          cpus: 2,
          memoryBytes: 1024,
          networkMode: 'none',
          user: '1000:1000',
        },
      });
    });

    it('retries removing a volume the engine still holds for a moment', async () => {
      let attempts = 0;
      routes['GET /v1.41/containers/portal-sbx-s1/json'] = (_req, res) =>
        json(res, 200, {
          ...base,
          Mounts: [
            {
              Type: 'volume',
              Name: 'vol-s1',
              Source: '',
              Destination: '/workspace',
            },
          ],
        });
      routes['DELETE /v1.41/containers/portal-sbx-s1'] = (_req, res) =>
        json(res, 204, {});
      routes['GET /v1.41/volumes/vol-s1'] = (_req, res) =>
        json(res, 200, {
          Name: 'vol-s1',
          Labels: { 'portal.sandbox/managed': 'true' },
        });
      routes['DELETE /v1.41/volumes/vol-s1'] = (_req, res) =>
        ++attempts < 3
          ? json(res, 409, { message: 'volume is in use' })
          : json(res, 204, {});
      await new DockerDriver({ socketPath }).remove('portal-sbx-s1');
      expect(attempts).toBe(3);
    });

    it('keeps a workspace volume it did not make', async () => {
      routes['GET /v1.41/volumes/portal-sbx-gone-workspace'] = (_req, res) =>
        json(res, 200, { Name: 'portal-sbx-gone-workspace', Labels: {} });
      await new DockerDriver({ socketPath }).remove('portal-sbx-gone');
      expect(seen.some(s => s.startsWith('DELETE /v1.41/volumes'))).toBe(false);
    });

    it('rejects an exec without a command and one the engine loses track of', async () => {
      routes['GET /v1.41/containers/portal-sbx-s1/json'] = (_req, res) =>
        json(res, 200, base);
      routes['POST /v1.41/containers/portal-sbx-s1/exec'] = (_req, res) =>
        json(res, 500, { message: 'boom' });
      const driver = new DockerDriver({ socketPath });
      await expect(
        driver.exec('portal-sbx-s1', { command: [] }),
      ).rejects.toThrow('exec needs a command');
      await expect(
        driver.exec('portal-sbx-s1', { command: ['ls'] }),
      ).rejects.toThrow(
        'exec in portal-sbx-s1 failed: exec in container portal-sbx-s1: boom (HTTP 500)',
      );
    });
  });
});
