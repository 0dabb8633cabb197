import { ResponseError } from '@backstage/errors';
import type { FetchApi } from '@backstage/frontend-plugin-api';
import { mockApis } from '@backstage/frontend-test-utils';
import { SANDBOX_SIZES } from '@internal/plugin-sandbox-common';
import { SandboxClient } from './SandboxClient';
import {
  makeActivity,
  makeBackup,
  makeAuditEntry,
  makeQuota,
  makeSandbox,
  makeWorkspace,
  makeWorkspaceDetails,
} from '../testUtils/fixtures';

const BASE = 'http://backend.test/api/sandbox';

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    statusText: {
      200: 'OK',
      201: 'Created',
      202: 'Accepted',
      403: 'Forbidden',
      404: 'Not Found',
      409: 'Conflict',
    }[status],
    headers: { 'Content-Type': 'application/json' },
  });
}

describe('SandboxClient', () => {
  let fetchFn: jest.Mock<Promise<Response>, Parameters<FetchApi['fetch']>>;
  let client: SandboxClient;

  beforeEach(() => {
    fetchFn = jest.fn();
    const discoveryApi = mockApis.discovery.mock({
      getBaseUrl: async pluginId => `http://backend.test/api/${pluginId}`,
    });
    client = new SandboxClient({ discoveryApi, fetchApi: { fetch: fetchFn } });
  });

  const lastCall = () => {
    const [url, init] = fetchFn.mock.calls[fetchFn.mock.calls.length - 1];
    return {
      url: String(url),
      method: init?.method,
      body: init?.body ? JSON.parse(String(init.body)) : undefined,
      headers: init?.headers as Record<string, string> | undefined,
    };
  };

  it('creates a sandbox with a JSON body', async () => {
    const created = makeSandbox({ state: 'pending' });
    fetchFn.mockResolvedValue(jsonResponse(201, created));
    const request = { name: 'my-box', workspace: 'team-a', size: 'medium' };

    await expect(client.createSandbox(request)).resolves.toEqual(created);

    expect(lastCall()).toEqual({
      url: `${BASE}/sandboxes`,
      method: 'POST',
      body: request,
      headers: { 'Content-Type': 'application/json' },
    });
  });

  it('lists sandboxes with only the filters that are set', async () => {
    const list = { items: [makeSandbox()], totalCount: 1, nextCursor: 'c2' };
    fetchFn.mockResolvedValue(jsonResponse(200, list));

    await expect(
      client.listSandboxes({ workspace: 'team-a', state: 'running', limit: 25, cursor: 'c1' }),
    ).resolves.toEqual(list);
    expect(lastCall().url).toBe(
      `${BASE}/sandboxes?workspace=team-a&state=running&limit=25&cursor=c1`,
    );
    expect(lastCall().method).toBe('GET');

    fetchFn.mockResolvedValue(jsonResponse(200, list));
    await client.listSandboxes({ owner: 'user:default/alice', workspace: '' });
    expect(lastCall().url).toBe(`${BASE}/sandboxes?owner=user%3Adefault%2Falice`);

    fetchFn.mockResolvedValue(jsonResponse(200, list));
    await client.listSandboxes();
    expect(lastCall().url).toBe(`${BASE}/sandboxes`);
  });

  it('gets one sandbox, escaping the id', async () => {
    fetchFn.mockResolvedValue(jsonResponse(200, { ...makeSandbox(), transitions: [] }));
    await client.getSandbox('a/b');
    expect(lastCall()).toMatchObject({ url: `${BASE}/sandboxes/a%2Fb`, method: 'GET' });
  });

  it.each([
    ['startSandbox', 'POST', '/sandboxes/sbx-1/start'],
    ['stopSandbox', 'POST', '/sandboxes/sbx-1/stop'],
    ['deleteSandbox', 'DELETE', '/sandboxes/sbx-1'],
  ] as const)('%s sends %s %s and returns the sandbox', async (method, verb, path) => {
    const sandbox = makeSandbox({ id: 'sbx-1' });
    fetchFn.mockResolvedValue(jsonResponse(202, sandbox));
    await expect(client[method]('sbx-1')).resolves.toEqual(sandbox);
    expect(lastCall()).toMatchObject({ url: `${BASE}${path}`, method: verb, body: undefined });
  });

  it('reads logs with a tail, 200 lines by default', async () => {
    fetchFn.mockResolvedValue(jsonResponse(200, { logs: 'line 1\nline 2' }));
    await expect(client.getLogs('sbx-1')).resolves.toBe('line 1\nline 2');
    expect(lastCall().url).toBe(`${BASE}/sandboxes/sbx-1/logs?tail=200`);

    fetchFn.mockResolvedValue(jsonResponse(200, { logs: '' }));
    await client.getLogs('sbx-1', { tail: 10 });
    expect(lastCall().url).toBe(`${BASE}/sandboxes/sbx-1/logs?tail=10`);
  });

  it('runs a command', async () => {
    const result = { exitCode: 0, stdout: 'hi\n', stderr: '', timedOut: false, durationMs: 12 };
    fetchFn.mockResolvedValue(jsonResponse(200, result));
    const request = { command: ['echo', 'hi'], cwd: '/workspace', timeoutSeconds: 5 };
    await expect(client.exec('sbx-1', request)).resolves.toEqual(result);
    expect(lastCall()).toMatchObject({
      url: `${BASE}/sandboxes/sbx-1/exec`,
      method: 'POST',
      body: request,
    });
  });

  it('lists Ollama models', async () => {
    const models = [{ name: 'llama3.2:1b', size: 1300000000 }, { name: 'qwen2.5:0.5b' }];
    fetchFn.mockResolvedValue(jsonResponse(200, { models }));
    await expect(client.listOllamaModels()).resolves.toEqual(models);
    expect(lastCall().url).toBe(`${BASE}/ollama/models`);
  });

  it('turns Backstage JSON errors into a ResponseError carrying the backend message', async () => {
    fetchFn.mockResolvedValue(
      jsonResponse(409, {
        error: { name: 'ConflictError', message: 'Sandbox my-box cannot go from stopped to stopping' },
        response: { statusCode: 409 },
      }),
    );

    const error = await client.stopSandbox('sbx-1').catch(e => e);

    expect(ResponseError.is(error)).toBe(true);
    expect(error.statusCode).toBe(409);
    expect(error.message).toBe('Request failed with 409 Conflict');
    expect(error.cause.name).toBe('ConflictError');
    expect(error.cause.message).toBe('Sandbox my-box cannot go from stopped to stopping');
  });

  it('maps a 404 on get to a ResponseError', async () => {
    fetchFn.mockResolvedValue(
      jsonResponse(404, {
        error: { name: 'NotFoundError', message: "No sandbox with id 'nope'" },
        response: { statusCode: 404 },
      }),
    );
    await expect(client.getSandbox('nope')).rejects.toMatchObject({
      name: 'ResponseError',
      statusCode: 404,
      cause: expect.objectContaining({ message: "No sandbox with id 'nope'" }),
    });
  });

  it('resizes a sandbox', async () => {
    const sandbox = makeSandbox({ id: 'sbx-1', state: 'stopped', size: SANDBOX_SIZES.large });
    fetchFn.mockResolvedValue(jsonResponse(200, sandbox));
    await expect(client.resizeSandbox('sbx-1', 'large')).resolves.toEqual(sandbox);
    expect(lastCall()).toEqual({
      url: `${BASE}/sandboxes/sbx-1/resize`,
      method: 'POST',
      body: { size: 'large' },
      headers: { 'Content-Type': 'application/json' },
    });
  });

  describe('workspaces', () => {
    it('lists workspaces', async () => {
      const items = [makeWorkspace(), makeWorkspace({ name: 'team-b', myRole: undefined })];
      fetchFn.mockResolvedValue(jsonResponse(200, { items }));
      await expect(client.listWorkspaces()).resolves.toEqual(items);
      expect(lastCall()).toMatchObject({ url: `${BASE}/workspaces`, method: 'GET' });
    });

    it('creates a workspace', async () => {
      const details = makeWorkspaceDetails({ name: 'new-ws' });
      fetchFn.mockResolvedValue(jsonResponse(201, details));
      const request = {
        name: 'new-ws',
        title: 'New',
        plan: 'free' as const,
        backingGroup: 'group:default/team-a',
      };
      await expect(client.createWorkspace(request)).resolves.toEqual(details);
      expect(lastCall()).toEqual({
        url: `${BASE}/workspaces`,
        method: 'POST',
        body: request,
        headers: { 'Content-Type': 'application/json' },
      });
    });

    it('gets, updates, archives and unarchives a workspace', async () => {
      const details = makeWorkspaceDetails();
      fetchFn.mockImplementation(async () => jsonResponse(200, details));

      await expect(client.getWorkspace('team-a')).resolves.toEqual(details);
      expect(lastCall()).toMatchObject({ url: `${BASE}/workspaces/team-a`, method: 'GET' });

      await client.updateWorkspace('team-a', { title: 'Renamed', plan: 'enterprise' });
      expect(lastCall()).toMatchObject({
        url: `${BASE}/workspaces/team-a`,
        method: 'PATCH',
        body: { title: 'Renamed', plan: 'enterprise' },
      });

      await client.archiveWorkspace('team-a');
      expect(lastCall()).toMatchObject({
        url: `${BASE}/workspaces/team-a/archive`,
        method: 'POST',
        body: undefined,
      });

      await client.unarchiveWorkspace('team-a');
      expect(lastCall()).toMatchObject({
        url: `${BASE}/workspaces/team-a/unarchive`,
        method: 'POST',
      });
    });

    it('sets a member role with the entity ref URL-encoded', async () => {
      const member = {
        memberRef: 'group:default/team-a',
        role: 'admin',
        addedAt: '2025-01-01T00:00:00.000Z',
        addedBy: 'user:default/alice',
      };
      fetchFn.mockResolvedValue(jsonResponse(200, member));
      await expect(
        client.setWorkspaceMember('team-a', 'group:default/team-a', 'admin'),
      ).resolves.toEqual(member);
      expect(lastCall()).toMatchObject({
        url: `${BASE}/workspaces/team-a/members/group%3Adefault%2Fteam-a`,
        method: 'PUT',
        body: { role: 'admin' },
      });
    });

    it('removes a member (204 without a body)', async () => {
      fetchFn.mockResolvedValue(new Response(null, { status: 204 }));
      await expect(
        client.removeWorkspaceMember('team-a', 'user:default/bob'),
      ).resolves.toBeUndefined();
      expect(lastCall()).toMatchObject({
        url: `${BASE}/workspaces/team-a/members/user%3Adefault%2Fbob`,
        method: 'DELETE',
      });
    });

    it('reads the quota and replaces its overrides, keeping null for unlimited', async () => {
      const quota = makeQuota({ overrides: { maxSandboxes: 5, maxVcpus: null } });
      fetchFn.mockImplementation(async () => jsonResponse(200, quota));

      await expect(client.getWorkspaceQuota('team-a')).resolves.toEqual(quota);
      expect(lastCall()).toMatchObject({ url: `${BASE}/workspaces/team-a/quota`, method: 'GET' });

      await client.setWorkspaceQuotaOverrides('team-a', {
        maxSandboxes: 5,
        maxVcpus: null,
        maxDiskGiB: undefined,
      });
      expect(lastCall()).toMatchObject({
        url: `${BASE}/workspaces/team-a/quota`,
        method: 'PUT',
        body: { maxSandboxes: 5, maxVcpus: null },
      });
    });

    it('reads the activity, 30 days by default', async () => {
      const days = makeActivity(3);
      fetchFn.mockImplementation(async () => jsonResponse(200, { days }));
      await expect(client.getWorkspaceActivity('team-a')).resolves.toEqual(days);
      expect(lastCall().url).toBe(`${BASE}/workspaces/team-a/activity?days=30`);

      await client.getWorkspaceActivity('team-a', { days: 7 });
      expect(lastCall().url).toBe(`${BASE}/workspaces/team-a/activity?days=7`);
    });

    it('escapes the workspace name in paths', async () => {
      fetchFn.mockResolvedValue(jsonResponse(200, makeWorkspaceDetails()));
      await client.getWorkspace('a/b');
      expect(lastCall().url).toBe(`${BASE}/workspaces/a%2Fb`);
    });

    it('carries the quota conflict message of the backend', async () => {
      fetchFn.mockResolvedValue(
        jsonResponse(409, {
          error: {
            name: 'ConflictError',
            message: "Quota exceeded in workspace 'team-a': sandboxes 3 of 3",
          },
          response: { statusCode: 409 },
        }),
      );
      await expect(client.setWorkspaceQuotaOverrides('team-a', {})).rejects.toMatchObject({
        statusCode: 409,
        cause: expect.objectContaining({
          message: "Quota exceeded in workspace 'team-a': sandboxes 3 of 3",
        }),
      });
    });
  });

  describe('audit', () => {
    it('lists entries with only the filters that are set', async () => {
      const page = { items: [makeAuditEntry()], nextCursor: 99 };
      fetchFn.mockImplementation(async () => jsonResponse(200, page));

      await expect(client.listAuditEntries()).resolves.toEqual(page);
      expect(lastCall().url).toBe(`${BASE}/audit`);

      await client.listAuditEntries({
        workspace: 'team-a',
        actor: 'user:default/alice',
        action: '',
        outcome: 'denied',
        targetId: 'sbx-1',
        limit: 50,
        cursor: 99,
      });
      expect(lastCall().url).toBe(
        `${BASE}/audit?workspace=team-a&actor=user%3Adefault%2Falice&outcome=denied&targetId=sbx-1&limit=50&cursor=99`,
      );
    });

    it('rejects with the NotAllowedError message', async () => {
      fetchFn.mockResolvedValue(
        jsonResponse(403, {
          error: { name: 'NotAllowedError', message: 'You may not read the audit log' },
          response: { statusCode: 403 },
        }),
      );
      await expect(client.listAuditEntries()).rejects.toMatchObject({
        statusCode: 403,
        cause: expect.objectContaining({ message: 'You may not read the audit log' }),
      });
    });
  });

  it.each([
    ['pauseSandbox', '/sandboxes/sbx-1/pause'],
    ['resumeSandbox', '/sandboxes/sbx-1/resume'],
  ] as const)('%s sends POST %s and returns the sandbox', async (method, path) => {
    const sandbox = makeSandbox({ id: 'sbx-1', state: 'paused' });
    fetchFn.mockResolvedValue(jsonResponse(200, sandbox));
    await expect(client[method]('sbx-1')).resolves.toEqual(sandbox);
    expect(lastCall()).toMatchObject({ url: `${BASE}${path}`, method: 'POST', body: undefined });
  });

  describe('ports', () => {
    const cookie = (expiresAt: string) => jsonResponse(200, { expiresAt });

    it('lists ports with absolute preview URLs and fetches the user cookie once', async () => {
      fetchFn
        .mockResolvedValueOnce(
          jsonResponse(200, {
            items: [
              { port: 3000, url: '/api/sandbox/sandboxes/sbx-1/ports/3000/', process: 'node' },
              { port: 8080, url: 'http://other.test/api/sandbox/sandboxes/sbx-1/ports/8080/' },
            ],
          }),
        )
        .mockResolvedValueOnce(cookie(new Date(Date.now() + 3600_000).toISOString()));

      await expect(client.listPorts('sbx-1')).resolves.toEqual([
        { port: 3000, url: `${BASE}/sandboxes/sbx-1/ports/3000/`, process: 'node' },
        { port: 8080, url: 'http://other.test/api/sandbox/sandboxes/sbx-1/ports/8080/' },
      ]);
      expect(String(fetchFn.mock.calls[0][0])).toBe(`${BASE}/sandboxes/sbx-1/ports`);
      expect(fetchFn.mock.calls[1][0]).toBe(`${BASE}/.backstage/auth/v1/cookie`);
      expect(fetchFn.mock.calls[1][1]).toEqual({ credentials: 'include' });

      // The cookie is still good for an hour: not asked for again.
      await expect(client.portUrl('sbx-1', 5173)).resolves.toBe(
        `${BASE}/sandboxes/sbx-1/ports/5173/`,
      );
      expect(fetchFn).toHaveBeenCalledTimes(2);
    });

    it('asks for the cookie again when it is about to expire, and copes without cookie auth', async () => {
      fetchFn.mockResolvedValueOnce(cookie(new Date(Date.now() + 60_000).toISOString()));
      await client.portUrl('sbx-1', 80);
      fetchFn.mockResolvedValueOnce(new Response('', { status: 404, statusText: 'Not Found' }));
      await expect(client.portUrl('a/b', 80)).resolves.toBe(`${BASE}/sandboxes/a%2Fb/ports/80/`);
      expect(fetchFn).toHaveBeenCalledTimes(2);
      expect(fetchFn.mock.calls.every(([url]) => url === `${BASE}/.backstage/auth/v1/cookie`)).toBe(
        true,
      );
    });

    it('still lists the ports when the cookie cannot be issued', async () => {
      fetchFn
        .mockResolvedValueOnce(jsonResponse(200, { items: [{ port: 80, url: '/api/sandbox/x/80/' }] }))
        .mockResolvedValueOnce(
          jsonResponse(401, {
            error: { name: 'AuthenticationError', message: 'Missing credentials' },
            response: { statusCode: 401 },
          }),
        );
      await expect(client.listPorts('sbx-1')).resolves.toEqual([
        { port: 80, url: `${BASE}/x/80/` },
      ]);
    });

    it('rejects when the cookie cannot be issued', async () => {
      fetchFn.mockResolvedValueOnce(
        jsonResponse(401, {
          error: { name: 'AuthenticationError', message: 'Missing credentials' },
          response: { statusCode: 401 },
        }),
      );
      await expect(client.portUrl('sbx-1', 80)).rejects.toMatchObject({
        statusCode: 401,
        cause: expect.objectContaining({ message: 'Missing credentials' }),
      });
    });
  });

  describe('backups', () => {
    it('lists, creates, restores and deletes backups', async () => {
      const backup = makeBackup();
      fetchFn.mockResolvedValueOnce(jsonResponse(200, { items: [backup] }));
      await expect(client.listBackups('sbx-my-box')).resolves.toEqual([backup]);
      expect(lastCall()).toMatchObject({ url: `${BASE}/sandboxes/sbx-my-box/backups`, method: 'GET' });

      fetchFn.mockResolvedValueOnce(jsonResponse(201, backup));
      await expect(client.createBackup('sbx-my-box')).resolves.toEqual(backup);
      expect(lastCall()).toMatchObject({
        url: `${BASE}/sandboxes/sbx-my-box/backups`,
        method: 'POST',
        body: {},
      });

      const restored = makeSandbox({ name: 'copy' });
      fetchFn.mockResolvedValueOnce(jsonResponse(201, restored));
      await expect(
        client.restoreBackup('bk-1', { target: 'new', name: 'copy' }),
      ).resolves.toEqual(restored);
      expect(lastCall()).toMatchObject({
        url: `${BASE}/backups/bk-1/restore`,
        method: 'POST',
        body: { target: 'new', name: 'copy' },
      });

      fetchFn.mockResolvedValueOnce(jsonResponse(201, restored));
      await client.restoreBackup('bk-1', { target: 'in-place' });
      expect(lastCall().body).toEqual({ target: 'in-place' });

      fetchFn.mockResolvedValueOnce(new Response(null, { status: 204 }));
      await expect(client.deleteBackup('bk-1')).resolves.toBeUndefined();
      expect(lastCall()).toMatchObject({ url: `${BASE}/backups/bk-1`, method: 'DELETE' });
    });

    it('reads, sets and turns off the backup schedule', async () => {
      const schedule = {
        workspace: 'team-a',
        cron: '0 3 * * *',
        intervalHours: null,
        retentionCount: 7,
        retentionDays: null,
        updatedAt: '2025-01-30T10:00:00.000Z',
        updatedBy: 'user:default/alice',
      };
      fetchFn.mockResolvedValueOnce(jsonResponse(200, null));
      await expect(client.getBackupSchedule('team-a')).resolves.toBeUndefined();
      expect(lastCall()).toMatchObject({
        url: `${BASE}/workspaces/team-a/backup-schedule`,
        method: 'GET',
      });

      fetchFn.mockResolvedValueOnce(jsonResponse(200, schedule));
      await expect(client.getBackupSchedule('team-a')).resolves.toEqual(schedule);

      fetchFn.mockResolvedValueOnce(jsonResponse(200, schedule));
      const request = { cron: '0 3 * * *', retentionCount: 7, retentionDays: null };
      await expect(client.setBackupSchedule('team-a', request)).resolves.toEqual(schedule);
      expect(lastCall()).toMatchObject({
        url: `${BASE}/workspaces/team-a/backup-schedule`,
        method: 'PUT',
        body: request,
      });

      fetchFn.mockResolvedValueOnce(new Response(null, { status: 204 }));
      await expect(client.deleteBackupSchedule('team-a')).resolves.toBeUndefined();
      expect(lastCall()).toMatchObject({
        url: `${BASE}/workspaces/team-a/backup-schedule`,
        method: 'DELETE',
      });
    });
  });

  describe('API keys', () => {
    it('lists, creates and revokes keys of a workspace', async () => {
      const item = {
        id: 'key-1',
        workspace: 'team a',
        name: 'openhands',
        prefix: 'psk_ab12cd34',
        createdBy: 'user:default/alice',
        createdAt: '2025-01-30T10:00:00.000Z',
      };
      fetchFn.mockResolvedValueOnce(jsonResponse(200, { items: [item] }));
      await expect(client.listApiKeys('team a')).resolves.toEqual([item]);
      expect(lastCall()).toMatchObject({ url: `${BASE}/workspaces/team%20a/api-keys`, method: 'GET' });

      fetchFn.mockResolvedValueOnce(jsonResponse(201, { key: 'psk_secret', item }));
      const request = { name: 'openhands', expiresAt: '2026-01-01T00:00:00.000Z' };
      await expect(client.createApiKey('team a', request)).resolves.toEqual({
        key: 'psk_secret',
        item,
      });
      expect(lastCall()).toMatchObject({
        url: `${BASE}/workspaces/team%20a/api-keys`,
        method: 'POST',
        body: request,
      });

      fetchFn.mockResolvedValueOnce(
        jsonResponse(200, { ...item, revokedAt: '2025-01-31T10:00:00.000Z' }),
      );
      await expect(client.revokeApiKey('team a', 'key/1')).resolves.toBeUndefined();
      expect(lastCall()).toMatchObject({
        url: `${BASE}/workspaces/team%20a/api-keys/key%2F1`,
        method: 'DELETE',
      });
    });
  });
});
