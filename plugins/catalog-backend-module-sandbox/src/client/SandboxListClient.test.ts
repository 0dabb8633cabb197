import { mockServices } from '@backstage/backend-test-utils';
import { SandboxListClient } from './SandboxListClient';

describe('SandboxListClient', () => {
  const discovery = mockServices.discovery.mock({
    getBaseUrl: async () => 'http://sandbox.test/api/sandbox',
  });
  const auth = mockServices.auth({ pluginId: 'catalog' });

  it('stops when the backend repeats a cursor', async () => {
    const client = new SandboxListClient({
      discovery,
      auth,
      fetch: async () =>
        Response.json({ items: [], totalCount: 0, nextCursor: 'same' }),
    });

    await expect(client.listAll()).rejects.toThrow(
      "Sandbox listing repeated cursor 'same'",
    );
  });

  it('gives up after too many pages', async () => {
    let page = 0;
    const client = new SandboxListClient({
      discovery,
      auth,
      fetch: async () =>
        Response.json({ items: [], totalCount: 0, nextCursor: String(++page) }),
    });

    await expect(client.listAll()).rejects.toThrow(
      'Sandbox listing exceeded 1000 pages',
    );
  });

  it('maps error responses to ResponseError', async () => {
    const client = new SandboxListClient({
      discovery,
      auth,
      fetch: async () =>
        Response.json(
          {
            error: { name: 'NotAllowedError', message: 'nope' },
            response: { statusCode: 403 },
          },
          { status: 403, statusText: 'Forbidden' },
        ),
    });

    await expect(client.listAll()).rejects.toMatchObject({
      name: 'ResponseError',
      statusCode: 403,
      cause: expect.objectContaining({
        name: 'NotAllowedError',
        message: 'nope',
      }),
    });
  });
});
