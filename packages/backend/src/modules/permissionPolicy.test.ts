import { AuthorizeResult, createPermission } from '@backstage/plugin-permission-common';
import {
  auditReadPermission,
  quotaOverridePermission,
  sandboxCreatePermission,
  sandboxDeletePermission,
  sandboxReadPermission,
  workspaceManagePermission,
} from '@internal/plugin-sandbox-common';
import { PortalPermissionPolicy } from './permissionPolicy';

const user = (ref: string, groups: string[] = []) =>
  ({
    identity: { type: 'user', userEntityRef: ref, ownershipEntityRefs: groups },
    info: { userEntityRef: ref, ownershipEntityRefs: [ref, ...groups] },
    credentials: {},
    token: 't',
  }) as any;

describe('PortalPermissionPolicy', () => {
  const debug = jest.fn();
  const policy = new PortalPermissionPolicy({ admins: ['group:default/platform-team'] }, { debug });

  it('lets portal administrators do everything', async () => {
    const admin = user('user:default/root', ['group:default/platform-team']);
    for (const permission of [quotaOverridePermission, auditReadPermission, sandboxDeletePermission]) {
      expect(await policy.handle({ permission } as any, admin)).toEqual({ result: AuthorizeResult.ALLOW });
    }
    expect(debug).toHaveBeenCalledWith('permission sandbox.quota.override for user:default/root: ALLOW');
  });

  it('resolves sandbox reads from any workspace role of the user and its groups', async () => {
    const decision = await policy.handle({ permission: sandboxReadPermission } as any, user('user:default/ada', ['group:default/team-a']));
    expect(decision).toEqual({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'sandbox',
      resourceType: 'sandbox',
      conditions: {
        rule: 'HAS_WORKSPACE_ROLE',
        resourceType: 'sandbox',
        params: {
          claims: ['user:default/ada', 'user:default/ada', 'group:default/team-a'],
          roles: ['owner', 'admin', 'member', 'viewer'],
        },
      },
    });
  });

  it('treats backup permissions like reading and changing the sandbox', async () => {
    const { sandboxBackupReadPermission, sandboxBackupRestorePermission } = jest.requireActual('@internal/plugin-sandbox-common');
    const read: any = await policy.handle({ permission: sandboxBackupReadPermission } as any, user('user:default/ada'));
    expect(read.conditions.params.roles).toEqual(['owner', 'admin', 'member', 'viewer']);
    const restore: any = await policy.handle({ permission: sandboxBackupRestorePermission } as any, user('user:default/ada'));
    expect(restore.conditions.anyOf[1].allOf[1].rule).toBe('IS_SANDBOX_OWNER');
  });

  it('lets admins manage any sandbox and members only their own', async () => {
    const decision: any = await policy.handle({ permission: sandboxDeletePermission } as any, user('user:default/ada'));
    expect(decision.result).toBe(AuthorizeResult.CONDITIONAL);
    expect(decision.conditions.anyOf[0].params.roles).toEqual(['owner', 'admin']);
    expect(decision.conditions.anyOf[1].allOf.map((c: any) => c.rule)).toEqual(['HAS_WORKSPACE_ROLE', 'IS_SANDBOX_OWNER']);
  });

  it('decides creates and workspace management per workspace', async () => {
    const create: any = await policy.handle({ permission: sandboxCreatePermission } as any, user('user:default/ada'));
    expect(create).toMatchObject({ result: AuthorizeResult.CONDITIONAL, resourceType: 'sandbox-workspace' });
    expect(create.conditions.params.roles).toEqual(['owner', 'admin', 'member']);
    const manage: any = await policy.handle({ permission: workspaceManagePermission } as any, user('user:default/ada'));
    expect(manage.conditions.params.roles).toEqual(['owner', 'admin']);
  });

  it('denies quota overrides and the global audit log to non-admins, allows the rest', async () => {
    expect(await policy.handle({ permission: quotaOverridePermission } as any, user('user:default/ada'))).toEqual({ result: AuthorizeResult.DENY });
    expect(await policy.handle({ permission: auditReadPermission } as any, user('user:default/ada'))).toEqual({ result: AuthorizeResult.DENY });
    const other = createPermission({ name: 'catalog.entity.read', attributes: { action: 'read' } });
    expect(await policy.handle({ permission: other } as any, user('user:default/ada'))).toEqual({ result: AuthorizeResult.ALLOW });
    expect(await policy.handle({ permission: other } as any, undefined)).toEqual({ result: AuthorizeResult.ALLOW });
  });
});
