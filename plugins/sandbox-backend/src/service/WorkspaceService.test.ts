import { PLAN_DEFAULT_QUOTAS } from '@internal/plugin-sandbox-common';
import { createHarness, validRequest } from '../__testUtils__/harness';
import { strongestRole } from './WorkspaceService';

describe('WorkspaceService', () => {
  it('creates a workspace with its creator as owner and the backing group as members', async () => {
    const { workspaces } = await createHarness();
    const ws = await workspaces.create(
      { name: 'ml', title: 'ML team', plan: 'free', backingGroup: 'group:default/ML', backingGroupRole: 'viewer' },
      'user:default/ada',
    );
    expect(ws).toMatchObject({
      name: 'ml',
      title: 'ML team',
      plan: 'free',
      backingGroup: 'group:default/ml',
      archived: false,
      createdBy: 'user:default/ada',
      myRole: 'owner',
      quota: { plan: 'free', limits: PLAN_DEFAULT_QUOTAS.free, overrides: {}, usage: { sandboxes: 0, vcpus: 0, memoryMiB: 0, diskGiB: 0 } },
    });
    expect(ws.members.map(m => `${m.memberRef}=${m.role}`)).toEqual(['group:default/ml=viewer', 'user:default/ada=owner']);
    await expect(workspaces.create({ name: 'ml', plan: 'free', backingGroupRole: 'member' }, 'user:default/bob')).rejects.toThrow(
      "A workspace named 'ml' already exists",
    );
  });

  it('lists the workspaces a caller belongs to (directly or through a group), all for admins', async () => {
    const { workspaces } = await createHarness();
    expect(await workspaces.listFor(['user:default/ada'], false)).toEqual([
      expect.objectContaining({ name: 'team-a', myRole: 'owner' }),
    ]);
    expect((await workspaces.listFor(['user:default/zed', 'group:default/team-b'], false)).map(w => `${w.name}:${w.myRole}`)).toEqual(['team-b:member']);
    expect((await workspaces.listFor(['user:default/zed'], true)).map(w => w.name)).toEqual(['team-a', 'team-b']);
    expect(workspaces.isAdmin(['group:default/Platform-Team'])).toBe(true);
    expect(workspaces.isAdmin(['user:default/ada'])).toBe(false);
  });

  it('renames, changes plan, archives and refuses sandboxes in archived workspaces', async () => {
    const { workspaces, service } = await createHarness();
    await workspaces.update('team-a', { title: 'Team A', plan: 'team' });
    await workspaces.setArchived('team-a', true);
    await expect(workspaces.setArchived('team-a', true)).rejects.toThrow("Workspace 'team-a' is already archived");
    const details = await workspaces.details('team-a', []);
    expect(details).toMatchObject({ title: 'Team A', plan: 'team', archived: true });
    expect(details.myRole).toBeUndefined();
    await expect(service.create(validRequest, 'user:default/ada')).rejects.toThrow("Workspace 'team-a' is archived: no new sandboxes");
    await workspaces.setArchived('team-a', false);
    await expect(service.create(validRequest, 'user:default/ada')).resolves.toMatchObject({ state: 'pending' });
    await service.idle();
    await expect(workspaces.update('nope', { title: 'x' })).rejects.toThrow("No workspace named 'nope'");
  });

  it('manages members and always keeps an owner', async () => {
    const { workspaces } = await createHarness();
    const m = await workspaces.setMember('team-a', 'User:default/Bob', 'admin', 'user:default/ada');
    expect(m).toMatchObject({ memberRef: 'user:default/bob', role: 'admin', addedBy: 'user:default/ada' });
    await workspaces.setMember('team-a', 'user:default/bob', 'viewer', 'user:default/ada');
    expect((await workspaces.store.members('team-a')).find(x => x.memberRef === 'user:default/bob')?.role).toBe('viewer');
    await expect(workspaces.setMember('team-a', 'user:default/ada', 'member', 'user:default/ada')).rejects.toThrow(
      "Workspace 'team-a' must keep at least one owner",
    );
    await expect(workspaces.removeMember('team-a', 'user:default/ada')).rejects.toThrow('must keep at least one owner');
    await workspaces.removeMember('team-a', 'user:default/bob');
    await expect(workspaces.removeMember('team-a', 'user:default/bob')).rejects.toThrow(
      "'user:default/bob' is not a member of workspace 'team-a'",
    );
  });

  it('applies quota overrides over the plan defaults, with null meaning unlimited', async () => {
    const { workspaces, service } = await createHarness();
    const q = await workspaces.setQuotaOverrides('team-a', { maxSandboxes: 1, maxVcpus: null }, 'user:default/root');
    expect(q.overrides).toEqual({ maxSandboxes: 1, maxVcpus: null });
    expect(q.limits).toMatchObject({ maxSandboxes: 1, maxVcpus: null, maxMemoryMiB: PLAN_DEFAULT_QUOTAS.enterprise.maxMemoryMiB });
    await service.create(validRequest, 'user:default/ada');
    await expect(service.create({ ...validRequest, name: 'two' }, 'user:default/ada')).rejects.toThrow(
      "Quota exceeded in workspace 'team-a': sandboxes limit is 1, 1 in use, this request needs 1 more",
    );
    await service.idle();
    expect((await workspaces.quota('team-a')).usage).toEqual({ sandboxes: 1, vcpus: 0.5, memoryMiB: 512, diskGiB: 5 });
  });

  it('enforces the lifetime limit and gives sandboxes without a TTL the maximum', async () => {
    const { workspaces, service } = await createHarness();
    await workspaces.setQuotaOverrides('team-a', { maxLifetimeSeconds: 3600 }, 'user:default/root');
    await expect(service.create({ ...validRequest, ttlSeconds: 7200 }, 'user:default/ada')).rejects.toThrow(
      "Quota exceeded in workspace 'team-a': lifetime limit is 3600",
    );
    const s = await service.create(validRequest, 'user:default/ada');
    expect(s.ttlSeconds).toBe(3600);
    expect(s.expiresAt).toBe('2026-11-01T11:00:00.000Z');
    await service.idle();
  });

  it('checks compute quota again when a stopped sandbox starts, and disk on resize', async () => {
    const { workspaces, service } = await createHarness();
    await workspaces.setQuotaOverrides('team-a', { maxVcpus: 1, maxDiskGiB: 20 }, 'user:default/root');
    const a = await service.create(validRequest, 'user:default/ada');
    await service.idle();
    await service.stop(a.id);
    await service.idle();
    await service.create({ ...validRequest, name: 'b' }, 'user:default/ada');
    await service.create({ ...validRequest, name: 'c', size: 'small' }, 'user:default/ada');
    await service.idle();
    // two small sandboxes (0.5 vCPU each) run: starting the third would need 1.5 of 1
    await expect(service.start(a.id)).rejects.toThrow(/vcpus limit is 1, 1 in use, this request needs 0.5 more/);
    await expect(service.resize(a.id, 'large')).rejects.toThrow(/disk limit is 20, 15 in use, this request needs 15 more/);
    await expect(service.resize(a.id, 'huge')).rejects.toThrow('size: must be one of small, medium, large');
    const running = (await service.list({ workspace: 'team-a', state: 'running', limit: 10 })).items[0];
    await expect(service.resize(running.id, 'medium')).rejects.toThrow('only stopped sandboxes can be resized');
  });

  it('resizes a stopped sandbox and the runtime gets the new limits on start', async () => {
    const { service, driver } = await createHarness();
    const s = await service.create(validRequest, 'user:default/ada');
    await service.idle();
    await service.stop(s.id);
    await service.idle();
    expect((await service.resize(s.id, 'medium')).size.name).toBe('medium');
    await service.start(s.id);
    await service.idle();
    expect((await driver.inspect(`mem-${s.id}`))?.limits).toMatchObject({ cpus: 1, memoryBytes: 2048 * 1024 * 1024 });
  });

  it('counts created sandboxes, failures and running hours per day', async () => {
    const { workspaces, service, driver, clock } = await createHarness();
    const a = await service.create(validRequest, 'user:default/ada'); // day 1 10:00
    await service.idle();
    clock.advance(6 * 3600_000); // 16:00
    await service.stop(a.id);
    await service.idle();
    clock.advance(12 * 3600_000); // day 2 04:00
    driver.failNext.create = 'boom';
    await service.create({ ...validRequest, name: 'b' }, 'user:default/ada');
    await service.idle();
    await service.start(a.id);
    await service.idle();
    clock.advance(2 * 3600_000); // 06:00, still running
    const days = await workspaces.activity('team-a', 3);
    expect(days).toEqual([
      { day: '2026-10-31', created: 0, failures: 0, runningHours: 0 },
      { day: '2026-11-01', created: 1, failures: 0, runningHours: 6 },
      { day: '2026-11-02', created: 1, failures: 1, runningHours: 2 },
    ]);
    await expect(workspaces.activity('team-a', 0)).rejects.toThrow('days: must be an integer between 1 and 366');
  });

  it('orders roles', () => {
    expect(strongestRole(['viewer', 'admin', 'member'])).toBe('admin');
    expect(strongestRole([])).toBeUndefined();
  });
});
