import { Readable } from 'node:stream';
import type { SandboxRecord } from '../database/SandboxStore';
import type { SandboxDriver } from '../drivers/types';
import { forwardHeaders, InsideService } from './InsideService';
import { UpgradeRouter } from './upgrades';
import http from 'node:http';
import { PassThrough } from 'node:stream';

/** A sandbox whose driver has no agent: exec falls back to the driver, files are refused. */
function setup(state: SandboxRecord['state'] = 'running') {
  const execs: unknown[] = [];
  const touched: string[] = [];
  const driver = {
    exec: async (externalId: string, req: unknown) => {
      execs.push([externalId, req]);
      return { exitCode: 1, stdout: 'o', stderr: 'e', timedOut: false, durationMs: 5 };
    },
  } as unknown as SandboxDriver;
  const inside = new InsideService({
    getRecord: async id => ({ id, name: 'box', state, externalId: 'portal-sbx-1' }) as SandboxRecord,
    driver,
    touch: async id => {
      touched.push(id);
    },
    portUrl: (id, port) => `http://x/${id}/${port}/`,
  });
  return { inside, execs, touched };
}

describe('InsideService without an agent', () => {
  it('runs exec through the driver and marks the sandbox active', async () => {
    const { inside, execs, touched } = setup();
    expect(await inside.exec('s1', { command: ['ls'], timeoutSeconds: 5 })).toMatchObject({ exitCode: 1, stdout: 'o' });
    expect(execs).toEqual([['portal-sbx-1', { command: ['ls'], cwd: undefined, env: undefined, timeoutSeconds: 5 }]]);
    expect(touched).toEqual(['s1']);
    await expect(inside.exec('s1', { command: ['cat'], stdin: 'x', timeoutSeconds: 5 })).rejects.toMatchObject({ name: 'NotImplementedError' });
  });

  it('streams the driver exec result as events', async () => {
    const { inside } = setup();
    const events = [];
    for await (const e of inside.execStream('s1', { command: ['ls'], timeoutSeconds: 5 })) events.push(e);
    expect(events).toEqual([
      { type: 'stdout', data: 'o' },
      { type: 'stderr', data: 'e' },
      { type: 'exit', exitCode: 1, timedOut: false, durationMs: 5 },
    ]);
  });

  it('refuses files and ports with a message saying the sandbox has no agent', async () => {
    const { inside } = setup();
    await expect(inside.list('s1', '/')).rejects.toMatchObject({ name: 'NotImplementedError', message: expect.stringContaining('portal agent') });
    await expect(inside.openPortStream('s1', 0)).rejects.toMatchObject({ name: 'InputError' });
  });

  it('refuses a paused sandbox with 409 (503 for the proxy) and other states naming them', async () => {
    await expect(setup('paused').inside.exec('s1', { command: ['ls'], timeoutSeconds: 5 })).rejects.toMatchObject({
      name: 'ConflictError',
      message: "Sandbox 'box' is paused; resume it first",
    });
    await expect(setup('paused').inside.openPortStream('s1', 80)).rejects.toMatchObject({ name: 'ServiceUnavailableError' });
    await expect(setup('stopped').inside.stat('s1', '/')).rejects.toMatchObject({ message: expect.stringContaining('is stopped') });
  });

  it('caps transfers: a declared size over the limit is refused before anything is sent', async () => {
    const { inside } = setup();
    const big = inside.maxTransferBytes + 1;
    await expect(inside.uploadArchive('s1', '/w', Readable.from([]), big)).rejects.toMatchObject({ statusCode: 413 });
    await expect(inside.writeFile('s1', '/w', 'x', { size: big })).rejects.toMatchObject({ statusCode: 413 });
  });
});

describe('forwardHeaders', () => {
  it('drops the portal credentials and hop-by-hop headers, keeps the rest, sets X-Forwarded-*', () => {
    const req = {
      headers: {
        host: 'portal:7007',
        authorization: 'Bearer x',
        cookie: 'backstage-auth=t; a=b',
        connection: 'keep-alive',
        'x-custom': '1',
      },
      socket: {},
    } as unknown as http.IncomingMessage;
    expect(forwardHeaders(req, { sandboxId: 's', port: 8080, path: '/', prefix: '/api/sandbox/sandboxes/s/ports/8080/' })).toEqual({
      cookie: 'a=b',
      'x-custom': '1',
      host: 'localhost:8080',
      'x-forwarded-host': 'portal:7007',
      'x-forwarded-proto': 'http',
      'x-forwarded-prefix': '/api/sandbox/sandboxes/s/ports/8080',
    });
  });
});

describe('UpgradeRouter', () => {
  it('routes by prefix, lets a handler decline, and answers 404 only when it is the sole listener', async () => {
    const router = new UpgradeRouter();
    const seen: string[] = [];
    router.register('/api/a/', async req => {
      seen.push(`first ${req.url}`);
      return req.url !== '/api/a/decline';
    });
    router.register('/api/a/', async req => {
      seen.push(`replaced ${req.url}`);
      return req.url !== '/api/a/decline';
    });
    const server = http.createServer();
    router.attach(server);
    router.attach(server); // idempotent
    expect(server.listenerCount('upgrade')).toBe(1);
    const socket = new PassThrough();
    let written = '';
    socket.on('data', c => (written += c));
    await router.handle({ url: '/api/a/x' } as http.IncomingMessage, socket, Buffer.alloc(0), server);
    await router.handle({ url: '/api/a/decline' } as http.IncomingMessage, socket, Buffer.alloc(0), server);
    expect(seen).toEqual(['replaced /api/a/x', 'replaced /api/a/decline']);
    expect(written).toMatch(/^HTTP\/1.1 404/);
    server.on('upgrade', () => undefined);
    const other = new PassThrough();
    let otherWritten = '';
    other.on('data', c => (otherWritten += c));
    await router.handle({ url: '/elsewhere' } as http.IncomingMessage, other, Buffer.alloc(0), server);
    expect(otherWritten).toBe('');
  });
});
