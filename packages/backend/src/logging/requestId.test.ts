import express from 'express';
import request from 'supertest';
import {
  createRequestIdMiddleware,
  isSaneRequestId,
  requestIdOf,
} from './requestId';

function app(generate?: () => string) {
  const a = express();
  a.use(createRequestIdMiddleware(generate ? { generate } : {}));
  a.get('/echo', (req, res) => {
    res.json({ header: req.headers['x-request-id'], local: requestIdOf(res) });
  });
  return a;
}

describe('createRequestIdMiddleware', () => {
  it('keeps a sane incoming X-Request-Id and echoes it everywhere', async () => {
    const res = await request(app())
      .get('/echo')
      .set('X-Request-Id', 'edge-4f1c:9a.b_c')
      .expect(200);
    expect(res.headers['x-request-id']).toBe('edge-4f1c:9a.b_c');
    expect(res.body).toEqual({
      header: 'edge-4f1c:9a.b_c',
      local: 'edge-4f1c:9a.b_c',
    });
  });

  it('generates a UUID when there is none', async () => {
    const res = await request(app()).get('/echo').expect(200);
    expect(res.headers['x-request-id']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(res.body.header).toBe(res.headers['x-request-id']);
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['with spaces', 'abc def'],
    ['with quotes', 'abc"} {"level":"error'],
    ['empty', ''],
  ])('replaces an incoming id that is %s', async (_, incoming) => {
    const res = await request(app(() => 'generated-1'))
      .get('/echo')
      .set('X-Request-Id', incoming)
      .expect(200);
    expect(res.headers['x-request-id']).toBe('generated-1');
    expect(res.body.header).toBe('generated-1');
  });
});

describe('isSaneRequestId', () => {
  it('accepts ids proxies generate and rejects everything else', () => {
    expect(isSaneRequestId('0f8fad5b-d9cb-469f-a165-70867728950e')).toBe(true);
    expect(isSaneRequestId('5f0a9c2e1b7d4e3f8a6b5c4d3e2f1a0b')).toBe(true);
    expect(isSaneRequestId('a'.repeat(128))).toBe(true);
    expect(isSaneRequestId(['a', 'b'])).toBe(false);
    expect(isSaneRequestId(undefined)).toBe(false);
    expect(isSaneRequestId('line\nbreak')).toBe(false);
  });
});
