import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ResponseError } from '@backstage/errors';
import { FakeSandboxServer } from '../__testUtils__/FakeSandboxServer';
import { servicesFor } from '../__testUtils__/actionTestUtils';
import { SandboxApiClient } from './SandboxApiClient';

describe('SandboxApiClient', () => {
  let server: FakeSandboxServer;
  let client: SandboxApiClient;
  const credentials = mockCredentials.user('user:default/alice');

  beforeEach(async () => {
    server = await FakeSandboxServer.start();
    client = new SandboxApiClient(servicesFor(server));
  });

  afterEach(async () => {
    await server.stop();
  });

  it('creates, reads, lists page by page and deletes on behalf of the caller', async () => {
    for (const name of ['a', 'b', 'c']) {
      await client.createSandbox(
        { name, workspace: 'team-a', template: 'python' },
        { credentials },
      );
    }

    const first = await client.listSandboxes(
      { workspace: 'team-a', limit: 2 },
      { credentials },
    );
    expect(first.items.map(s => s.name)).toEqual(['a', 'b']);
    expect(first.totalCount).toBe(3);
    const second = await client.listSandboxes(
      { workspace: 'team-a', limit: 2, cursor: first.nextCursor },
      { credentials },
    );
    expect(second.items.map(s => s.name)).toEqual(['c']);
    expect(second.nextCursor).toBeUndefined();
    expect(server.requestsTo('GET', '/sandboxes')[1].query).toEqual({
      workspace: 'team-a',
      limit: '2',
      cursor: '2',
    });

    const got = await client.getSandbox('sbx-1', { credentials });
    expect(got).toMatchObject({ id: 'sbx-1', owner: 'user:default/alice' });
    expect(got.transitions[0]).toMatchObject({ from: null, to: 'pending' });

    const deleted = await client.deleteSandbox('sbx-1', { credentials });
    expect(deleted.state).toBe('deleting');
    expect(
      server.requests.every(r => r.principal === 'user:default/alice'),
    ).toBe(true);
  });

  it('maps error responses to ResponseError with the server-side cause', async () => {
    const error = await client
      .createSandbox(
        { name: 'Bad Name', workspace: 'default' },
        { credentials },
      )
      .catch(e => e);

    expect(ResponseError.is(error)).toBe(true);
    expect(error.statusCode).toBe(400);
    expect(error.cause.name).toBe('InputError');
    expect(error.message).toMatch(
      /^Sandbox API POST \/sandboxes failed with 400 Bad Request: InputError: name: /,
    );
  });

  it('keeps the status line for error bodies that are not Backstage JSON', async () => {
    const client502 = new SandboxApiClient({
      discovery: mockServices.discovery.mock({
        getBaseUrl: async () => 'http://sandbox.test/api/sandbox',
      }),
      auth: mockServices.auth({ pluginId: 'scaffolder' }),
      fetch: async () =>
        new Response('<html>Bad gateway</html>', {
          status: 502,
          statusText: 'Bad Gateway',
          headers: { 'Content-Type': 'text/html' },
        }),
    });

    const error = await client502
      .getSandbox('x', { credentials })
      .catch(e => e);

    expect(error.statusCode).toBe(502);
    expect(error.message).toMatch(
      /^Sandbox API GET \/sandboxes\/x failed with 502 Bad Gateway/,
    );
  });
});
