import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import yaml from 'yaml';
import { checkpointStore, infoLines, mockContext, objectSchemaOf } from '../__testUtils__/actionTestUtils';
import { createSandboxRestoreAction, sandboxRestoreInputSchema } from './sandboxRestore';
import { examples as restoreExamples } from './sandboxRestore.examples';
import { createSandboxSnapshotAction, sandboxSnapshotInputSchema } from './sandboxSnapshot';
import { examples as snapshotExamples } from './sandboxSnapshot.examples';

/** A fetch answering the backup routes like the sandbox backend does, recording requests. */
function fakeBackend(status = 201, errorBody?: object) {
  const calls: Array<{ method: string; url: string; body: any; auth?: string }> = [];
  const fetchImpl = (async (url: string, init: RequestInit) => {
    const body = init.body ? JSON.parse(String(init.body)) : undefined;
    calls.push({ method: String(init.method), url, body, auth: (init.headers as Record<string, string>).Authorization });
    if (status >= 400) {
      return new Response(JSON.stringify({ ...errorBody, request: { method: init.method, url }, response: { statusCode: status } }), { status, statusText: 'Conflict', headers: { 'content-type': 'application/json' } });
    }
    const answer = url.endsWith('/backups')
      ? { id: 'bk-1', sandboxName: 'box', workspace: 'team-a', state: 'complete', sizeBytes: 2048, sha256: 'ab'.repeat(32) }
      : { id: 'sbx-2', name: body.name ?? 'box', workspace: 'team-a', state: body.target === 'new' ? 'running' : 'stopped' };
    return new Response(JSON.stringify(answer), { status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
  return { calls, fetchImpl };
}

const services = (fetchImpl: typeof fetch) => ({
  discovery: mockServices.discovery.mock({ getBaseUrl: async () => 'http://backend.test/api/sandbox' }),
  auth: mockServices.auth({ pluginId: 'scaffolder' }),
  fetch: fetchImpl,
});

describe('sandbox:snapshot', () => {
  it('backs up on behalf of the user, once per task', async () => {
    const { calls, fetchImpl } = fakeBackend();
    const action = createSandboxSnapshotAction(services(fetchImpl));
    const { checkpoint } = checkpointStore();
    const { ctx, logger } = mockContext({ id: 'sbx-1' }, { checkpoint });
    await action.handler(ctx);
    await action.handler(ctx); // a retried task: the checkpoint answers
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ method: 'POST', url: 'http://backend.test/api/sandbox/sandboxes/sbx-1/backups' });
    expect(calls[0].auth).toBe(`Bearer ${mockCredentials.service.token({ onBehalfOf: mockCredentials.user(), targetPluginId: 'sandbox' })}`);
    expect(ctx.output).toHaveBeenCalledWith('backupId', 'bk-1');
    expect(ctx.output).toHaveBeenCalledWith('sizeBytes', 2048);
    expect(infoLines(logger)).toEqual(['Backing up sandbox sbx-1', 'Backup bk-1 of team-a/box is complete (2048 bytes)']);
  });

  it('fails with the server explanation', async () => {
    const { fetchImpl } = fakeBackend(409, { error: { name: 'ConflictError', message: "Sandbox 'box' is deleted" } });
    const action = createSandboxSnapshotAction(services(fetchImpl));
    await expect(action.handler(mockContext({ id: 'sbx-1' }).ctx)).rejects.toThrow(
      "Sandbox API POST /sandboxes/sbx-1/backups failed with 409 Conflict: ConflictError: Sandbox 'box' is deleted",
    );
  });

  it.each(snapshotExamples)('handles example: $description', async example => {
    const step = yaml.parse(example.example).steps[0];
    expect(step.action).toBe('sandbox:snapshot');
    expect(objectSchemaOf(sandboxSnapshotInputSchema).parse(step.input)).toBeTruthy();
  });
});

describe('sandbox:restore', () => {
  it('restores into a new sandbox or in place', async () => {
    const { calls, fetchImpl } = fakeBackend();
    const action = createSandboxRestoreAction(services(fetchImpl));
    const fresh = mockContext({ backupId: 'bk-1', target: 'new', name: 'copy' });
    await action.handler(fresh.ctx);
    expect(calls[0]).toMatchObject({ url: 'http://backend.test/api/sandbox/backups/bk-1/restore', body: { target: 'new', name: 'copy' } });
    expect(fresh.ctx.output).toHaveBeenCalledWith('state', 'running');
    const inPlace = mockContext({ backupId: 'bk-1', target: 'in-place' });
    await action.handler(inPlace.ctx);
    expect(calls[1].body).toEqual({ target: 'in-place' });
    expect(inPlace.ctx.output).toHaveBeenCalledWith('state', 'stopped');
  });

  it('rejects inconsistent input before calling the backend', async () => {
    const { calls, fetchImpl } = fakeBackend();
    const action = createSandboxRestoreAction(services(fetchImpl));
    await expect(action.handler(mockContext({ backupId: 'bk-1' }).ctx)).rejects.toThrow('name: required when target is new');
    await expect(action.handler(mockContext({ backupId: 'bk-1', target: 'in-place', name: 'x' }).ctx)).rejects.toThrow('name: only for target new');
    expect(calls).toEqual([]);
  });

  it('reports a corrupted backup with the server message', async () => {
    const { fetchImpl } = fakeBackend(409, { error: { name: 'ConflictError', message: "Backup 'bk-1' is corrupt: blob 'workspace.tar'" } });
    const action = createSandboxRestoreAction(services(fetchImpl));
    await expect(action.handler(mockContext({ backupId: 'bk-1', target: 'new', name: 'copy' }).ctx)).rejects.toThrow(
      "ConflictError: Backup 'bk-1' is corrupt: blob 'workspace.tar'",
    );
  });

  it.each(restoreExamples)('handles example: $description', async example => {
    const step = yaml.parse(example.example).steps[0];
    expect(step.action).toBe('sandbox:restore');
    expect(objectSchemaOf(sandboxRestoreInputSchema).parse(step.input)).toBeTruthy();
    const { fetchImpl, calls } = fakeBackend();
    await createSandboxRestoreAction(services(fetchImpl)).handler(mockContext({ ...step.input, backupId: 'bk-1' }).ctx);
    expect(calls).toHaveLength(1);
  });
});
