import { Handler, Request, Response } from 'express';
import { Histogram, Registry } from 'prom-client';

/**
 * Label value for requests that did not reach a known plugin (unknown routes, 404s, static
 * assets). Keeps the `plugin` label's cardinality bounded by the set of installed plugins:
 * an attacker probing random `/api/<x>` paths cannot mint new series.
 */
export const UNMATCHED_PLUGIN = 'none';

const PLUGIN_PATH = /^\/api\/([a-z0-9][a-z0-9-]*)(?:\/|$)/;
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Server-sent event streams (scaffolder task logs, TechDocs sync, ...) stay open for as long as
 * someone watches them: timing them would turn every latency percentile into "minutes" and make
 * the latency alert meaningless. They are not observed.
 */
export function isEventStream(res: Response): boolean {
  const type = res.getHeader('content-type');
  return typeof type === 'string' && type.toLowerCase().startsWith('text/event-stream');
}

/** Reads the plugin id out of a request path (`/api/catalog/entities` -> `catalog`). */
export function pluginIdFromPath(path: string): string | undefined {
  return PLUGIN_PATH.exec(path)?.[1];
}

/**
 * Creates the `http_request_duration_seconds` histogram on the given registry and returns an
 * Express middleware that observes every request once its response has been sent (except
 * server-sent event streams, see `isEventStream`).
 */
export function createHttpMetricsMiddleware(options: {
  registry: Registry;
  buckets?: number[];
}): Handler {
  const name = 'http_request_duration_seconds';
  // One histogram per registry, even when several routers are created (tests, reloads).
  const existing = options.registry.getSingleMetric(name) as
    | Histogram<'plugin' | 'method' | 'status_code'>
    | undefined;
  const histogram = existing ?? new Histogram({
    name,
    help: 'Duration of HTTP requests served by the backend, by plugin, method and status code',
    labelNames: ['plugin', 'method', 'status_code'] as const,
    buckets: options.buckets ?? [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10],
    registers: [options.registry],
  });

  return (req: Request, res: Response, next) => {
    const end = histogram.startTimer();
    const path = req.originalUrl.split('?')[0];
    res.once('finish', () => {
      if (isEventStream(res)) {
        return;
      }
      const status = res.statusCode;
      // A 404 means no plugin router matched (or the resource is gone): do not trust the path.
      const plugin = status === 404 ? UNMATCHED_PLUGIN : pluginIdFromPath(path) ?? UNMATCHED_PLUGIN;
      end({
        plugin,
        method: KNOWN_METHODS.has(req.method) ? req.method : 'OTHER',
        status_code: String(status),
      });
    });
    next();
  };
}
