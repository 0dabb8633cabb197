import { Handler, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';

/** The header that carries a request's id, in both directions (Express lowercases it). */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * What we accept from a client or proxy: 1-128 characters of letters, digits and `._:-`. This
 * covers UUIDs, nginx's `$request_id` and Envoy's ids, and keeps header values that could break a
 * log line (newlines, quotes, control characters) or bloat it out of the logs.
 */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function isSaneRequestId(value: unknown): value is string {
  return typeof value === 'string' && SANE_REQUEST_ID.test(value);
}

/**
 * Gives every request an id: the incoming `X-Request-Id` when it is sane (a proxy in front of the
 * portal already assigned one, so both logs share it), else a new UUID. The id is written back to
 * the request headers (plugins read `req.headers['x-request-id']` and can pass it on to services
 * they call) and set on the response, so a user reporting an error can quote it.
 */
export function createRequestIdMiddleware(
  options: { generate?: () => string } = {},
): Handler {
  const generate = options.generate ?? randomUUID;
  return (req: Request, res: Response, next) => {
    const incoming = req.headers[REQUEST_ID_HEADER];
    const id = isSaneRequestId(incoming) ? incoming : generate();
    req.headers[REQUEST_ID_HEADER] = id;
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    next();
  };
}

/** The id `createRequestIdMiddleware` assigned to this request, if it ran. */
export function requestIdOf(res: Response): string | undefined {
  const id = res.locals?.requestId;
  return typeof id === 'string' ? id : undefined;
}
