import { isSandboxOwner, sandboxHasWorkspaceRole, workspaceHasRole } from './rules';
import { sandboxConditions, workspaceConditions } from './conditions';

const members = [
  { memberRef: 'group:default/team-a', role: 'member' as const, addedAt: '', addedBy: '' },
  { memberRef: 'user:default/ada', role: 'owner' as const, addedAt: '', addedBy: '' },
];
const sandbox = { id: 's1', workspace: 'team-a', owner: 'user:default/bob', members };

describe('HAS_WORKSPACE_ROLE', () => {
  describe('apply', () => {
    it('matches users directly and through their groups, case-insensitively', () => {
      expect(sandboxHasWorkspaceRole.apply(sandbox, { claims: ['user:default/Ada'], roles: ['owner'] })).toBe(true);
      expect(sandboxHasWorkspaceRole.apply(sandbox, { claims: ['user:default/bob', 'group:default/team-a'], roles: ['member'] })).toBe(true);
      expect(sandboxHasWorkspaceRole.apply(sandbox, { claims: ['group:default/team-a'], roles: ['owner', 'admin'] })).toBe(false);
      expect(workspaceHasRole.apply({ name: 'team-a', members }, { claims: ['user:default/eve'], roles: ['viewer'] })).toBe(false);
    });
  });
  describe('toQuery', () => {
    it('describes itself (rules run on loaded resources only)', () => {
      expect(workspaceHasRole.toQuery({ claims: ['a'], roles: ['owner'] })).toEqual({ rule: 'HAS_WORKSPACE_ROLE', params: { claims: ['a'], roles: ['owner'] } });
      expect(sandboxHasWorkspaceRole.toQuery({ claims: [], roles: [] })).toMatchObject({ rule: 'HAS_WORKSPACE_ROLE' });
    });
  });
});

describe('IS_SANDBOX_OWNER', () => {
  it('applies to the creator only', () => {
    expect(isSandboxOwner.apply(sandbox, { claims: ['user:default/bob'] })).toBe(true);
    expect(isSandboxOwner.apply(sandbox, { claims: ['user:default/ada'] })).toBe(false);
    expect(isSandboxOwner.toQuery({ claims: ['x'] })).toEqual({ rule: 'IS_SANDBOX_OWNER', params: { claims: ['x'] } });
  });

  it('exports conditions for policies', () => {
    expect(sandboxConditions.isSandboxOwner({ claims: ['user:default/bob'] })).toEqual({
      rule: 'IS_SANDBOX_OWNER',
      resourceType: 'sandbox',
      params: { claims: ['user:default/bob'] },
    });
    expect(workspaceConditions.hasWorkspaceRole({ claims: [], roles: ['viewer'] }).resourceType).toBe('sandbox-workspace');
  });
});
