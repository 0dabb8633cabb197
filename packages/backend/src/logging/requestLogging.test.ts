import { mockServices } from '@backstage/backend-test-utils';
import express from 'express';
import request from 'supertest';
import { createRequestIdMiddleware } from './requestId';
import { createRequestLoggingMiddleware } from './requestLogging';

describe('createRequestLoggingMiddleware', () => {
  it('logs one incomingRequest line per request with its request id and response time', async () => {
    const logger = mockServices.logger.mock();
    const app = express();
    app.use(createRequestIdMiddleware());
    app.use(createRequestLoggingMiddleware({ logger }));
    app.get('/api/things', (_req, res) => {
      res.status(200).json({ ok: true });
    });

    await request(app)
      .get('/api/things?x=1')
      .set('X-Request-Id', 'req-123')
      .set('User-Agent', 'jest')
      .set('Referer', 'http://portal/catalog')
      .expect(200);

    await new Promise(resolve => setImmediate(resolve));
    expect(logger.info).toHaveBeenCalledTimes(1);
    const [message, meta] = (logger.info as jest.Mock).mock.calls[0];
    expect(message).toBe(
      '"GET /api/things?x=1 HTTP/1.1" 200 11 "http://portal/catalog" "jest"',
    );
    expect(meta).toEqual({
      type: 'incomingRequest',
      method: 'GET',
      url: '/api/things?x=1',
      status: 200,
      httpVersion: '1.1',
      userAgent: 'jest',
      contentLength: 11,
      referrer: 'http://portal/catalog',
      requestId: 'req-123',
      responseTimeMs: expect.any(Number),
    });
  });

  it('logs without a request id when the id middleware did not run', async () => {
    const logger = mockServices.logger.mock();
    const app = express();
    app.use(createRequestLoggingMiddleware({ logger }));
    app.get('/x', (_req, res) => {
      res.status(204).end();
    });
    await request(app).get('/x').expect(204);
    await new Promise(resolve => setImmediate(resolve));
    const [message, meta] = (logger.info as jest.Mock).mock.calls[0];
    expect(message).toMatch(/^"GET \/x HTTP\/1.1" 204 0 "-" "/);
    expect(meta.requestId).toBeUndefined();
    expect(meta.referrer).toBeUndefined();
  });
});
