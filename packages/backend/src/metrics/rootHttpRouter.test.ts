import { mockServices } from '@backstage/backend-test-utils';
import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { InputError } from '@backstage/errors';
import express from 'express';
import Router from 'express-promise-router';
import http from 'node:http';
import request from 'supertest';
import { register } from 'prom-client';
import { configureInstrumentedRouter, instrumentedRootHttpRouter, readMetricsSettings } from './rootHttpRouter';

/** A stand-in for a plugin router mounted by the root router at /api/echo. */
function pluginRoutes() {
  const routes = Router();
  const echo = Router();
  echo.use(express.json());
  echo.post('/things', (req, res) => {
    if (typeof req.body?.name !== 'string') {
      throw new InputError('name must be a string');
    }
    res.status(201).json({ name: req.body.name });
  });
  echo.get('/boom', () => {
    throw new Error('secret internals');
  });
  echo.get('/events', (_req, res) => {
    res.setHeader('Content-Type', 'text/event-stream');
    res.write('data: hello\n\n');
    res.end();
  });
  routes.use('/api/echo', echo);
  return routes;
}

const shutdownHooks: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(shutdownHooks.splice(0).map(h => h()));
});

/** Builds the root app exactly as the backend does, with Backstage's real middleware. */
function start(metrics?: object, logger = mockServices.logger.mock()) {
  const config = mockServices.rootConfig({
    data: { backend: { baseUrl: 'http://127.0.0.1' }, ...(metrics ? { metrics } : {}) },
  });
  const app = express();
  configureInstrumentedRouter({
    app,
    config,
    logger,
    lifecycle: { addShutdownHook: (hook: () => Promise<void>) => shutdownHooks.push(hook) } as any,
    middleware: MiddlewareFactory.create({ config, logger }),
    healthRouter: Router(),
    routes: pluginRoutes(),
  });
  return app;
}

function getFrom(port: number, path: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path }, res => {
        let body = '';
        res.on('data', c => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('instrumentedRootHttpRouter', () => {
  afterEach(() => register.resetMetrics());

  it('times requests by plugin, method and status and serves /metrics unauthenticated', async () => {
    const server = start({ path: '/metrics' });
    await request(server).post('/api/echo/things').send({ name: 'a' }).expect(201);
    await request(server).post('/api/echo/things').send({ name: 1 }).expect(400);
    await request(server).get('/api/does-not-exist/x').expect(404);

    const res = await request(server).get('/metrics').expect(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.text).toMatch(
      /http_request_duration_seconds_count\{plugin="echo",method="POST",status_code="201"\} 1/,
    );
    expect(res.text).toMatch(
      /http_request_duration_seconds_count\{plugin="echo",method="POST",status_code="400"\} 1/,
    );
    // unknown plugins collapse into one label value: bounded cardinality
    expect(res.text).toMatch(/plugin="none",method="GET",status_code="404"/);
    expect(res.text).not.toContain('does-not-exist');
    // default process metrics are there too
    expect(res.text).toContain('process_cpu_user_seconds_total');
  });

  it('does not time server-sent event streams (they stay open as long as someone watches)', async () => {
    const server = start({ path: '/metrics' });
    const stream = await request(server).get('/api/echo/events').expect(200);
    expect(stream.headers['content-type']).toContain('text/event-stream');
    const res = await request(server).get('/metrics').expect(200);
    expect(res.text).not.toMatch(/plugin="echo",method="GET"/);
  });

  it('gives every request an X-Request-Id and logs it on the request line', async () => {
    const logger = mockServices.logger.mock();
    const server = start({ path: '/metrics' }, logger);

    const given = await request(server)
      .post('/api/echo/things')
      .set('X-Request-Id', 'from-the-proxy-1')
      .send({ name: 'a' })
      .expect(201);
    expect(given.headers['x-request-id']).toBe('from-the-proxy-1');

    const failed = await request(server).get('/api/echo/boom').set('X-Request-Id', 'has spaces "and quotes"').expect(500);
    const generated = failed.headers['x-request-id'];
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);

    const scrape = await request(server).get('/metrics').expect(200);
    expect(scrape.headers['x-request-id']).toBeDefined();

    await new Promise(resolve => setImmediate(resolve));
    const lines = (logger.info as jest.Mock).mock.calls.filter(([, meta]) => meta?.type === 'incomingRequest');
    expect(lines.map(([, meta]) => [meta.url, meta.status, meta.requestId])).toEqual([
      ['/api/echo/things', 201, 'from-the-proxy-1'],
      ['/api/echo/boom', 500, generated],
    ]);
    expect(lines[0][0]).toMatch(/^"POST \/api\/echo\/things HTTP\/1.1" 201 /);
    expect(lines[0][1].responseTimeMs).toBeGreaterThanOrEqual(0);
  });

  it('is the configure step of the backend root router', () => {
    expect(instrumentedRootHttpRouter.service.id).toBe('core.rootHttpRouter');
  });

  it('answers unknown routes, bad input and crashes with JSON errors and no stack traces', async () => {
    const server = start();
    const notFound = await request(server).get('/api/nope/at/all').expect(404);
    expect(notFound.body.error).toEqual({
      name: 'NotFoundError',
      message: 'No route for GET /api/nope/at/all',
    });

    const broken = await request(server)
      .post('/api/echo/things')
      .set('content-type', 'application/json')
      .send('{"name": ');
    expect(broken.status).toBe(400);
    expect(broken.body.error.name).toBeDefined();
    expect(JSON.stringify(broken.body)).not.toContain('at ');

    const crash = await request(server).get('/api/echo/boom').expect(500);
    expect(crash.body.error.message).toBe('secret internals');
    expect(crash.body.error.stack).toBeUndefined();

    const bad = await request(server).post('/api/echo/things').send({}).expect(400);
    expect(bad.body.error).toMatchObject({ name: 'InputError', message: 'name must be a string' });
  });

  it('moves /metrics to a dedicated port when metrics.port is set', async () => {
    const port = 39000 + Math.floor(Math.random() * 1000);
    const server = start({ port, host: '127.0.0.1', path: '/prom' });
    await request(server).get('/prom').expect(404);
    let res = { status: 0, body: '' };
    for (let i = 0; i < 50 && res.status !== 200; i++) {
      res = await getFrom(port, '/prom').catch(() => ({ status: 0, body: '' }));
      if (res.status !== 200) await new Promise(r => setTimeout(r, 50));
    }
    expect(res.status).toBe(200);
    expect(res.body).toContain('http_request_duration_seconds');
    expect((await getFrom(port, '/other')).status).toBe(404);
  });
});

describe('readMetricsSettings', () => {
  const read = (data: object) => readMetricsSettings(mockServices.rootConfig({ data }));

  it('defaults to /metrics on the main port', () => {
    expect(read({})).toEqual({ enabled: true, path: '/metrics', port: undefined, host: '0.0.0.0' });
  });

  it.each([
    [{ metrics: { path: 'metrics' } }, "metrics.path must start with '/'"],
    [{ metrics: { path: '/api/catalog' } }, 'collides'],
    [{ metrics: { port: 70000 } }, 'metrics.port must be an integer'],
  ])('rejects %j', (data, message) => {
    expect(() => read(data)).toThrow(message);
  });
});
