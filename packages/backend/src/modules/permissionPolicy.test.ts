import { AuthorizeResult, createPermission } from '@backstage/plugin-permission-common';
import { PortalPermissionPolicy } from './permissionPolicy';

describe('PortalPermissionPolicy', () => {
  it('allows every permission for now and logs the decision', async () => {
    const debug = jest.fn();
    const policy = new PortalPermissionPolicy({ debug });
    const permission = createPermission({ name: 'catalog.entity.delete', attributes: { action: 'delete' } });
    const decision = await policy.handle({ permission }, {
      identity: { type: 'user', userEntityRef: 'user:default/ada', ownershipEntityRefs: [] },
      info: { userEntityRef: 'user:default/ada', ownershipEntityRefs: [] },
      credentials: {} as any,
      token: 't',
    } as any);
    expect(decision).toEqual({ result: AuthorizeResult.ALLOW });
    expect(debug).toHaveBeenCalledWith('permission catalog.entity.delete for user:default/ada: ALLOW');
  });
});
