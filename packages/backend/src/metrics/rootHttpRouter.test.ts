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
  routes.use('/api/echo', echo);
  return routes;
}

const shutdownHooks: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(shutdownHooks.splice(0).map(h => h()));
});

/** Builds the root app exactly as the backend does, with Backstage's real middleware. */
function start(metrics?: object) {
  const config = mockServices.rootConfig({
    data: { backend: { baseUrl: 'http://127.0.0.1' }, ...(metrics ? { metrics } : {}) },
  });
  const logger = mockServices.logger.mock();
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
