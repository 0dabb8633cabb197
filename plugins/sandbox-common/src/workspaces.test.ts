import {
  auditQuerySchema,
  createWorkspaceRequestSchema,
  memberRefSchema,
  PLAN_DEFAULT_QUOTAS,
  PLAN_NAMES,
  quotaOverridesSchema,
  ROLES_THAT_CREATE_SANDBOXES,
  ROLES_THAT_MANAGE_WORKSPACE,
  setMemberRequestSchema,
  updateWorkspaceRequestSchema,
  WORKSPACE_ROLES,
} from './workspaces';
import {
  backupScheduleRequestSchema,
  cronSchema,
  restoreBackupRequestSchema,
  sandboxBackupPermissions,
} from './backups';
import { allSandboxPortalPermissions, workspacePermissions } from './permissions';

describe('workspace schemas', () => {
  it('defaults a workspace to the free plan with members for its backing group', () => {
    expect(createWorkspaceRequestSchema.parse({ name: 'ml' })).toEqual({ name: 'ml', plan: 'free', backingGroupRole: 'member' });
    expect(createWorkspaceRequestSchema.safeParse({ name: 'ml', backingGroup: 'user:default/x' }).success).toBe(false);
    expect(createWorkspaceRequestSchema.safeParse({ name: 'ml', backingGroup: 'group:default/ml' }).success).toBe(true);
    expect(createWorkspaceRequestSchema.safeParse({ name: 'ml', plan: 'gold' }).success).toBe(false);
    expect(updateWorkspaceRequestSchema.safeParse({ name: 'x' }).success).toBe(false);
    expect(setMemberRequestSchema.parse({ role: 'viewer' })).toEqual({ role: 'viewer' });
    expect(memberRefSchema.safeParse('group:default/team-a').success).toBe(true);
    expect(memberRefSchema.safeParse('component:default/x').success).toBe(false);
  });

  it('accepts numbers and null (unlimited) as quota overrides, not negatives', () => {
    expect(quotaOverridesSchema.parse({ maxSandboxes: 5, maxVcpus: null })).toEqual({ maxSandboxes: 5, maxVcpus: null });
    expect(quotaOverridesSchema.safeParse({ maxSandboxes: -1 }).success).toBe(false);
    expect(quotaOverridesSchema.safeParse({ maxGpus: 1 }).success).toBe(false);
    expect(auditQuerySchema.parse({ limit: '5', cursor: '10' })).toEqual({ limit: 5, cursor: 10 });
  });

  it('keeps role order and plan defaults consistent', () => {
    expect(WORKSPACE_ROLES).toEqual(['owner', 'admin', 'member', 'viewer']);
    expect(ROLES_THAT_MANAGE_WORKSPACE).toEqual(['owner', 'admin']);
    expect(ROLES_THAT_CREATE_SANDBOXES).not.toContain('viewer');
    for (const plan of PLAN_NAMES) {
      const q = PLAN_DEFAULT_QUOTAS[plan];
      expect(q.maxSandboxes).toBeGreaterThan(0);
    }
    expect(PLAN_DEFAULT_QUOTAS.free.maxVcpus! < PLAN_DEFAULT_QUOTAS.team.maxVcpus!).toBe(true);
    expect(allSandboxPortalPermissions).toHaveLength(11);
    expect(workspacePermissions.map(p => p.name)).toContain('sandbox.quota.override');
  });
});

describe('backup schemas', () => {
  it('restores into a new named sandbox or in place', () => {
    expect(restoreBackupRequestSchema.parse({ target: 'new', name: 'copy' })).toEqual({ target: 'new', name: 'copy' });
    expect(restoreBackupRequestSchema.parse({ target: 'in-place' })).toEqual({ target: 'in-place' });
    expect(restoreBackupRequestSchema.safeParse({ target: 'new' }).success).toBe(false);
    expect(restoreBackupRequestSchema.safeParse({ target: 'elsewhere' }).success).toBe(false);
  });

  it('takes exactly one of cron or interval, with retention defaults', () => {
    expect(backupScheduleRequestSchema.parse({ cron: '0 3 * * *' })).toEqual({ cron: '0 3 * * *', retentionCount: 7, retentionDays: null });
    expect(backupScheduleRequestSchema.safeParse({ cron: '0 3 * * *', intervalHours: 2 }).success).toBe(false);
    expect(backupScheduleRequestSchema.safeParse({}).success).toBe(false);
    expect(cronSchema.safeParse('*/15 1-5 * * 1,3').success).toBe(true);
    expect(cronSchema.safeParse('every day').success).toBe(false);
    expect(sandboxBackupPermissions.map(p => p.name)).toEqual([
      'sandbox.backup.create',
      'sandbox.backup.read',
      'sandbox.backup.restore',
      'sandbox.backup.delete',
    ]);
  });
});
