import {
  RootHttpRouterConfigureContext,
  rootHttpRouterServiceFactory,
} from '@backstage/backend-defaults/rootHttpRouter';
import type { RootConfigService } from '@backstage/backend-plugin-api';
import { InputError, NotFoundError } from '@backstage/errors';
import { sandboxUpgrades } from '@internal/plugin-sandbox-backend';
import express, { Handler } from 'express';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { collectDefaultMetrics, register as globalRegistry, Registry } from 'prom-client';
import { createRequestIdMiddleware, createRequestLoggingMiddleware } from '../logging';
import { createHttpMetricsMiddleware } from './httpMetrics';

/** Where `/metrics` is served, read from the `metrics` config block (see config.d.ts). */
export interface MetricsSettings {
  enabled: boolean;
  path: string;
  /** A port of its own; when set, the main backend port does not serve metrics. */
  port?: number;
  host: string;
}

export function readMetricsSettings(config: RootConfigService): MetricsSettings {
  const enabled = config.getOptionalBoolean('metrics.enabled') ?? true;
  const path = config.getOptionalString('metrics.path') ?? '/metrics';
  if (!path.startsWith('/')) {
    throw new InputError(`metrics.path must start with '/', got '${path}'`);
  }
  if (path.startsWith('/api/') || path === '/api' || path.startsWith('/.backstage')) {
    throw new InputError(`metrics.path '${path}' collides with the backend's plugin routes`);
  }
  const port = config.getOptionalNumber('metrics.port');
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new InputError(`metrics.port must be an integer between 1 and 65535, got ${port}`);
  }
  const host = config.getOptionalString('metrics.host') ?? '0.0.0.0';
  return { enabled, path, port, host };
}

let defaultMetricsStarted = false;

/** The registry every package of the backend writes to: prom-client's global one. */
export function metricsRegistry(): Registry {
  if (!defaultMetricsStarted) {
    collectDefaultMetrics({ register: globalRegistry });
    defaultMetricsStarted = true;
  }
  return globalRegistry;
}

export function createMetricsHandler(registry: Registry): Handler {
  return async (_req, res) => {
    res.set('Content-Type', registry.contentType);
    res.end(await registry.metrics());
  };
}

/** Turns an unmatched route into a NotFoundError so the error middleware answers JSON. */
export const notFoundAsJson: Handler = (req, _res, next) => {
  next(new NotFoundError(`No route for ${req.method} ${req.path}`));
};

/**
 * The backend's root HTTP router: Backstage's default middleware chain with four changes.
 * 1. Every request gets an id (`X-Request-Id`: a sane incoming one is kept, else a UUID), set on
 *    the response and in `req.headers['x-request-id']` for plugins (../logging/requestId.ts).
 * 2. The request log line (`type: incomingRequest`) carries that `requestId` and `responseTimeMs`
 *    (../logging/requestLogging.ts replaces `middleware.logging()`, same message and fields).
 * 3. Every request is timed into `http_request_duration_seconds`, and the registry is served
 *    unauthenticated either at `metrics.path` on the main port (default `/metrics`) or on a
 *    dedicated `metrics.port`, which operators want when the main port is public.
 * 4. Unknown routes answer a JSON NotFoundError (the default answers an empty 404), and error
 *    responses never carry stack traces, in development too.
 * The chain mirrors `applyDefaults()` of @backstage/backend-defaults 0.19 (helmet, cors,
 * compression, logging, rate limit, health, routes); `backend.server.*` socket timeouts are not
 * applied here. The request id comes first so that everything after it, metrics scrapes and
 * rejected requests included, answers with the header.
 */
export function configureInstrumentedRouter(
  context: Omit<RootHttpRouterConfigureContext, 'server' | 'applyDefaults'>,
) {
  const { app, config, lifecycle, logger, middleware, healthRouter, routes } = context;
  const trustProxy = config.getOptional('backend.trustProxy');
  if (trustProxy !== undefined) {
    app.set('trust proxy', trustProxy);
  }
  app.use(createRequestIdMiddleware());
  const settings = readMetricsSettings(config);
  if (settings.enabled) {
    const registry = metricsRegistry();
    app.use(createHttpMetricsMiddleware({ registry }));
    const handler = createMetricsHandler(registry);
    if (settings.port === undefined) {
      app.get(settings.path, handler);
    } else {
      startMetricsServer({ settings, handler, lifecycle, logger });
    }
  }
  app.use(middleware.helmet());
  app.use(middleware.cors());
  app.use(middleware.compression());
  app.use(createRequestLoggingMiddleware({ logger }));
  app.use(middleware.rateLimit());
  app.use(healthRouter);
  app.use(routes);
  app.use(notFoundAsJson);
  app.use(middleware.error({ showStackTraces: false }));
}

export const instrumentedRootHttpRouter = rootHttpRouterServiceFactory({
  configure: context => {
    // WebSocket upgrades of the sandbox port proxy (path prefixes, which Backstage's exact-path
    // WebSocket routes cannot express) are served from the start, not only after a first request
    sandboxUpgrades.attach(context.server);
    configureInstrumentedRouter(context);
  },
});

function startMetricsServer(options: {
  settings: MetricsSettings;
  handler: Handler;
  lifecycle: { addShutdownHook(hook: () => Promise<void>): void };
  logger: { info(message: string): void };
}) {
  const { settings, handler, lifecycle, logger } = options;
  const metricsApp = express();
  metricsApp.get(settings.path, handler);
  metricsApp.use((req, res) =>
    res.status(404).json({
      error: { name: 'NotFoundError', message: `No route for ${req.method} ${req.path}` },
    }),
  );
  const server = http.createServer(metricsApp);
  server.listen(settings.port, settings.host, () => {
    const { port } = server.address() as AddressInfo;
    logger.info(`Prometheus metrics on http://${settings.host}:${port}${settings.path}`);
  });
  lifecycle.addShutdownHook(() => new Promise<void>(resolve => server.close(() => resolve())));
}
