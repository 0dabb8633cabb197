import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { createHarness, validRequest } from '../__testUtils__/harness';
import { permissionResourceLoaders } from '../permissions/register';
import { SandboxAuthorizer } from '../service/authorize';
import { createPauseSandboxAction } from './createPauseSandboxAction';
import { createResumeSandboxAction } from './createResumeSandboxAction';

/** A running sandbox and the pause-sandbox and resume-sandbox actions, allowed or denied. */
async function setup(allow = true) {
  const harness = await createHarness();
  const result = allow ? AuthorizeResult.ALLOW : AuthorizeResult.DENY;
  const permissions = mockServices.permissions.mock({
    authorize: async requests => requests.map(() => ({ result })),
    authorizeConditional: async requests => requests.map(() => ({ result })) as any,
  });
  const authorizer = new SandboxAuthorizer({
    permissions,
    ...permissionResourceLoaders({ sandboxes: harness.store, workspaces: harness.workspaceStore }),
  });
  const actionsRegistry = actionsRegistryServiceMock();
  createPauseSandboxAction({ service: harness.service, authorizer, actionsRegistry });
  createResumeSandboxAction({ service: harness.service, authorizer, actionsRegistry });
  const s = await harness.service.create(validRequest, 'user:default/ada');
  await harness.service.idle();
  return { ...harness, actionsRegistry, id: s.id };
}

const credentials = mockCredentials.user('user:default/ada');

describe.each(['test:pause-sandbox', 'test:resume-sandbox'])('%s', actionId => {
  it('validates its input and carries examples and attributes', async () => {
    const { actionsRegistry } = await setup();
    await expect(actionsRegistry.invoke({ id: actionId, input: {}, credentials })).rejects.toThrow(/id/);
    const action = actionsRegistry.actions.get(actionId)!;
    expect(action.examples?.length).toBeGreaterThan(0);
    expect(action.attributes).toEqual({ destructive: false, idempotent: false, readOnly: false });
  });
});

describe('pause-sandbox', () => {
  const actionId = 'test:pause-sandbox';

  it('pauses the sandbox and returns its compact view', async () => {
    const { actionsRegistry, service, id } = await setup();
    const { output } = await actionsRegistry.invoke({ id: actionId, input: { id }, credentials });
    expect(output).toMatchObject({ id, name: 'box', workspace: 'team-a', state: 'paused' });
    expect((await service.get(id)).state).toBe('paused');
  });

  it('refuses a sandbox in the wrong state with a message naming it', async () => {
    const { actionsRegistry, service, id } = await setup();
    await service.pause(id);
    await expect(actionsRegistry.invoke({ id: actionId, input: { id }, credentials })).rejects.toThrow(
      'is paused; only running sandboxes can be paused',
    );
  });

  it('needs sandbox.update on the sandbox', async () => {
    const { actionsRegistry, service, id } = await setup(false);
    await expect(actionsRegistry.invoke({ id: actionId, input: { id }, credentials })).rejects.toThrow(
      `Not allowed: sandbox.update on sandbox '${id}'`,
    );
    expect((await service.get(id)).state).toBe('running');
  });
});

describe('resume-sandbox', () => {
  const actionId = 'test:resume-sandbox';

  it('resumes the sandbox and returns its compact view', async () => {
    const { actionsRegistry, service, id } = await setup();
    await service.pause(id);
    const { output } = await actionsRegistry.invoke({ id: actionId, input: { id }, credentials });
    expect(output).toMatchObject({ id, name: 'box', workspace: 'team-a', state: 'running' });
    expect((await service.get(id)).state).toBe('running');
  });

  it('refuses a sandbox in the wrong state with a message naming it', async () => {
    const { actionsRegistry, id } = await setup();
    await expect(actionsRegistry.invoke({ id: actionId, input: { id }, credentials })).rejects.toThrow(
      'is running; only paused sandboxes can be resumed',
    );
  });

  it('needs sandbox.update on the sandbox', async () => {
    const { actionsRegistry, service, id } = await setup(false);
    await service.pause(id);
    await expect(actionsRegistry.invoke({ id: actionId, input: { id }, credentials })).rejects.toThrow(
      `Not allowed: sandbox.update on sandbox '${id}'`,
    );
    expect((await service.get(id)).state).toBe('paused');
  });
});
