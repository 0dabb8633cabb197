import { mockCredentials } from '@backstage/backend-test-utils';
import { AuthorizeResult, createPermission } from '@backstage/plugin-permission-common';
import { SandboxAuthorizer } from './authorize';

const basic = createPermission({ name: 'sandbox.test.basic', attributes: {} });

function setup(decisionCacheMs?: number) {
  let now = 1_000;
  const results: AuthorizeResult[] = [];
  const permissions = {
    authorize: jest.fn(async () => [{ result: results.shift() ?? AuthorizeResult.DENY }]),
    authorizeConditional: jest.fn(),
  };
  const authorizer = new SandboxAuthorizer({
    permissions: permissions as any,
    loadSandboxes: async refs => refs.map(() => undefined),
    loadWorkspaces: async refs => refs.map(() => undefined),
    decisionCacheMs,
    now: () => now,
  });
  return { authorizer, permissions, results, advance: (ms: number) => (now += ms) };
}

describe('SandboxAuthorizer decision cache', () => {
  const ada = mockCredentials.user('user:default/ada');
  const bob = mockCredentials.user('user:default/bob');

  it('asks the policy every time when the cache is off (the default)', async () => {
    const { authorizer, permissions, results } = setup();
    results.push(AuthorizeResult.ALLOW, AuthorizeResult.DENY);
    await authorizer.authorize(ada, basic);
    await expect(authorizer.authorize(ada, basic)).rejects.toThrow('Not allowed: sandbox.test.basic');
    expect(permissions.authorize).toHaveBeenCalledTimes(2);
  });

  it('reuses a decision for the same principal and permission until it expires', async () => {
    const { authorizer, permissions, results, advance } = setup(2000);
    results.push(AuthorizeResult.ALLOW, AuthorizeResult.DENY, AuthorizeResult.DENY);
    await authorizer.authorize(ada, basic);
    advance(1999);
    await authorizer.authorize(ada, basic); // still the cached ALLOW
    expect(permissions.authorize).toHaveBeenCalledTimes(1);
    // another principal is asked separately
    await expect(authorizer.authorize(bob, basic)).rejects.toThrow('Not allowed');
    expect(permissions.authorize).toHaveBeenCalledTimes(2);
    advance(1);
    await expect(authorizer.authorize(ada, basic)).rejects.toThrow('Not allowed');
    expect(permissions.authorize).toHaveBeenCalledTimes(3);
  });

  it('does not remember a failed policy call', async () => {
    const { authorizer, permissions, results } = setup(2000);
    permissions.authorize.mockRejectedValueOnce(new Error('permission backend down'));
    await expect(authorizer.authorize(ada, basic)).rejects.toThrow('permission backend down');
    results.push(AuthorizeResult.ALLOW);
    await authorizer.authorize(ada, basic);
    expect(permissions.authorize).toHaveBeenCalledTimes(2);
  });
});
