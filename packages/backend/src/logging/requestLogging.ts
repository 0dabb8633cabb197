import type { LoggerService } from '@backstage/backend-plugin-api';
import { Handler, Request, Response } from 'express';
import { requestIdOf } from './requestId';

/**
 * One log line per request, once the response is finished: the same message and fields as
 * Backstage's `MiddlewareFactory.logging()` (type `incomingRequest`, method, url, status,
 * httpVersion, contentLength, referrer, userAgent), plus
 * - `requestId`: the id of `createRequestIdMiddleware` (also in the `X-Request-Id` response header);
 * - `responseTimeMs`: time from this middleware to the last byte handed to the socket.
 * With NODE_ENV=production the root logger writes each line as one JSON object.
 */
export function createRequestLoggingMiddleware(options: {
  logger: LoggerService;
}): Handler {
  const { logger } = options;
  return (req: Request, res: Response, next) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const meta = requestLogMeta(req, res);
      const responseTimeMs = Number(process.hrtime.bigint() - started) / 1e6;
      logger.info(
        `"${meta.method} ${meta.url} HTTP/${meta.httpVersion}" ${meta.status} ${
          meta.contentLength ?? 0
        } "${meta.referrer ?? '-'}" "${meta.userAgent ?? '-'}"`,
        {
          type: 'incomingRequest',
          ...meta,
          requestId: requestIdOf(res),
          responseTimeMs: Math.round(responseTimeMs * 10) / 10,
        },
      );
    });
    next();
  };
}

function requestLogMeta(req: Request, res: Response) {
  const referrer = req.headers.referer ?? req.headers.referrer;
  const contentLength = Number(res.getHeader('content-length'));
  return {
    method: req.method,
    url: req.originalUrl ?? req.url,
    status: res.statusCode,
    httpVersion: `${req.httpVersionMajor}.${req.httpVersionMinor}`,
    ...(req.headers['user-agent']
      ? { userAgent: req.headers['user-agent'] }
      : {}),
    ...(Number.isFinite(contentLength) ? { contentLength } : {}),
    ...(referrer
      ? { referrer: Array.isArray(referrer) ? referrer.join(', ') : referrer }
      : {}),
  };
}
