import { z } from 'zod';
import { workspaceNameSchema } from './schemas';

/** Roles in a workspace, strongest first. */
export const WORKSPACE_ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type WorkspaceRole = (typeof WORKSPACE_ROLES)[number];

/** What a role may do (the permission policy resolves permissions from these). */
export const ROLES_THAT_MANAGE_WORKSPACE: readonly WorkspaceRole[] = ['owner', 'admin'];
export const ROLES_THAT_CREATE_SANDBOXES: readonly WorkspaceRole[] = ['owner', 'admin', 'member'];
export const ROLES_THAT_READ: readonly WorkspaceRole[] = WORKSPACE_ROLES;

/** Quota limits of a workspace; null = unlimited. */
export interface QuotaLimits {
  maxSandboxes: number | null;
  maxVcpus: number | null;
  maxMemoryMiB: number | null;
  maxDiskGiB: number | null;
  /** Longest TTL a sandbox may have (seconds); sandboxes without a TTL get this one. */
  maxLifetimeSeconds: number | null;
  /** Monthly budget in minor units of the billing currency (cents); billing enforces it. */
  monthlyBudgetMinor: number | null;
}

export type QuotaResource = 'sandboxes' | 'vcpus' | 'memory' | 'disk' | 'lifetime';

export const PLAN_NAMES = ['free', 'team', 'enterprise'] as const;
export type PlanName = (typeof PLAN_NAMES)[number];

/**
 * Default quotas per plan: the ONE place these numbers live. The sandbox backend enforces them,
 * the Kubernetes workspace provisioner renders them into ResourceQuota / LimitRange, billing
 * reads the budget. (The billing issue will own plans; until then this is the plain table.)
 */
export const PLAN_DEFAULT_QUOTAS: Record<PlanName, QuotaLimits> = {
  free: {
    maxSandboxes: 3,
    maxVcpus: 2,
    maxMemoryMiB: 4096,
    maxDiskGiB: 20,
    maxLifetimeSeconds: 8 * 3600,
    monthlyBudgetMinor: 0,
  },
  team: {
    maxSandboxes: 20,
    maxVcpus: 16,
    maxMemoryMiB: 32768,
    maxDiskGiB: 200,
    maxLifetimeSeconds: 7 * 24 * 3600,
    monthlyBudgetMinor: 50_000,
  },
  enterprise: {
    maxSandboxes: 200,
    maxVcpus: 128,
    maxMemoryMiB: 262144,
    maxDiskGiB: 2000,
    maxLifetimeSeconds: 30 * 24 * 3600,
    monthlyBudgetMinor: null,
  },
};

export interface QuotaUsage {
  sandboxes: number;
  vcpus: number;
  memoryMiB: number;
  diskGiB: number;
}

export interface WorkspaceQuota {
  plan: PlanName;
  /** Effective limits: plan defaults with overrides applied. */
  limits: QuotaLimits;
  /** Only the fields an admin overrode. */
  overrides: Partial<QuotaLimits>;
  usage: QuotaUsage;
}

export interface WorkspaceMember {
  /** A user or group entity ref; a group makes membership follow the catalog. */
  memberRef: string;
  role: WorkspaceRole;
  addedAt: string;
  addedBy: string;
}

export interface Workspace {
  name: string;
  title: string;
  description?: string;
  plan: PlanName;
  /** Catalog group the workspace is backed by (its members get `backingGroupRole`). */
  backingGroup?: string;
  archived: boolean;
  createdAt: string;
  createdBy: string;
}

export interface WorkspaceDetails extends Workspace {
  members: WorkspaceMember[];
  quota: WorkspaceQuota;
  /** The caller's strongest role here, if any. */
  myRole?: WorkspaceRole;
}

export interface WorkspaceActivityDay {
  /** YYYY-MM-DD (UTC). */
  day: string;
  created: number;
  failures: number;
  runningHours: number;
}

export type AuditOutcome = 'success' | 'denied' | 'invalid' | 'failure';

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  /** e.g. `sandbox.create`, `workspace.member.set`, `quota.override`. */
  action: string;
  targetType: 'sandbox' | 'workspace' | 'member' | 'quota' | 'api-key';
  targetId: string;
  workspace?: string;
  outcome: AuditOutcome;
  requestId?: string;
  /** Why a request was denied or failed, or what changed. */
  message?: string;
}

const entityRef = z.string().regex(/^(user|group):[a-z0-9._-]+\/[a-z0-9._-]+$/i, {
  message: 'must be a user or group entity ref like group:default/team-a',
});

export const createWorkspaceRequestSchema = z
  .object({
    name: workspaceNameSchema,
    title: z.string().min(1).max(100).optional(),
    description: z.string().max(1000).optional(),
    plan: z.enum(PLAN_NAMES).default('free'),
    backingGroup: entityRef.refine(r => r.toLowerCase().startsWith('group:'), { message: 'must be a group entity ref' }).optional(),
    backingGroupRole: z.enum(WORKSPACE_ROLES).default('member'),
  })
  .strict();
export type CreateWorkspaceRequest = z.input<typeof createWorkspaceRequestSchema>;

export const updateWorkspaceRequestSchema = z
  .object({
    title: z.string().min(1).max(100).optional(),
    description: z.string().max(1000).optional(),
    plan: z.enum(PLAN_NAMES).optional(),
  })
  .strict();

export const setMemberRequestSchema = z.object({ role: z.enum(WORKSPACE_ROLES) }).strict();
export const memberRefSchema = entityRef;

const limit = z.number().int().min(0).nullable().optional();
export const quotaOverridesSchema = z
  .object({
    maxSandboxes: limit,
    maxVcpus: z.number().min(0).nullable().optional(),
    maxMemoryMiB: limit,
    maxDiskGiB: limit,
    maxLifetimeSeconds: limit,
    monthlyBudgetMinor: limit,
  })
  .strict();

export const auditQuerySchema = z
  .object({
    workspace: workspaceNameSchema.optional(),
    actor: z.string().optional(),
    action: z.string().optional(),
    outcome: z.enum(['success', 'denied', 'invalid', 'failure']).optional(),
    targetId: z.string().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    cursor: z.coerce.number().int().positive().optional(),
  })
  .strict();
