import { createHarness, validRequest } from '../__testUtils__/harness';
import { registerPermissions } from './register';

describe('registerPermissions', () => {
  it('registers both resource types with loaders that attach workspace members', async () => {
    const { service, store, workspaceStore } = await createHarness();
    const registry = { addPermissions: jest.fn(), addResourceType: jest.fn(), addPermissionRules: jest.fn(), getPermissionRuleset: jest.fn() };
    registerPermissions(registry as any, { sandboxes: store, workspaces: workspaceStore });
    expect(registry.addPermissions.mock.calls[0][0].map((p: any) => p.name)).toEqual(['sandbox.workspace.create', 'sandbox.audit.read']);
    const [sandboxType, workspaceType] = registry.addResourceType.mock.calls.map(c => c[0]);
    expect(sandboxType.resourceRef.resourceType).toBe('sandbox');
    expect(sandboxType.permissions.map((p: any) => p.name)).not.toContain('sandbox.create');
    expect(workspaceType.permissions.map((p: any) => p.name)).toContain('sandbox.create');

    const s = await service.create(validRequest, 'user:default/ada');
    await service.idle();
    const [loaded, missing] = await sandboxType.getResources([s.id, 'nope']);
    expect(loaded).toMatchObject({ id: s.id, workspace: 'team-a', owner: 'user:default/ada' });
    expect(loaded.members.map((m: any) => m.memberRef).sort()).toEqual(['group:default/team-a', 'user:default/ada']);
    expect(missing).toBeUndefined();
    const [ws, none] = await workspaceType.getResources(['team-b', 'nope']);
    expect(ws).toEqual({ name: 'team-b', members: [expect.objectContaining({ memberRef: 'group:default/team-b', role: 'member' })] });
    expect(none).toBeUndefined();
  });
});
