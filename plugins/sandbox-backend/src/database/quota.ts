import { ConflictError, InputError } from '@backstage/errors';
import {
  PLAN_DEFAULT_QUOTAS,
  PlanName,
  QuotaLimits,
  QuotaResource,
  QuotaUsage,
} from '@internal/plugin-sandbox-common';
import { Knex } from 'knex';

/** States that hold a slot and disk (everything but failed and deleted). */
export const STATES_HOLDING_SLOT = [
  'pending', 'provisioning', 'running', 'pausing', 'paused', 'resuming', 'stopping', 'stopped', 'deleting',
];
/**
 * States that hold CPU and memory. A paused sandbox counts too: Docker's frozen cgroup keeps its
 * memory, and a resume must never be refused for quota (it takes no new room).
 */
export const STATES_HOLDING_COMPUTE = ['pending', 'provisioning', 'running', 'pausing', 'paused', 'resuming', 'stopping'];

/** A create or start that would take a workspace past one of its limits. HTTP 409. */
export class QuotaExceededError extends ConflictError {
  constructor(
    readonly workspace: string,
    readonly resource: QuotaResource,
    readonly used: number,
    readonly requested: number,
    readonly limit: number,
  ) {
    super(
      `Quota exceeded in workspace '${workspace}': ${resource} limit is ${limit}, ${used} in use, this request needs ${requested} more`,
    );
    this.name = 'ConflictError';
  }
}

export function effectiveLimits(plan: string, overrides: Partial<QuotaLimits>): QuotaLimits {
  const defaults = PLAN_DEFAULT_QUOTAS[plan as PlanName] ?? PLAN_DEFAULT_QUOTAS.free;
  return { ...defaults, ...overrides };
}

/**
 * Reads a workspace's limits and current use inside the caller's transaction. On PostgreSQL the
 * workspace row is locked (SELECT ... FOR UPDATE), so concurrent creates in one workspace
 * serialise on it and none can slip past a limit; SQLite serialises all write transactions anyway.
 */
export async function lockAndReadQuota(
  tx: Knex.Transaction,
  workspace: string,
): Promise<{ limits: QuotaLimits; usage: QuotaUsage; archived: boolean }> {
  const query = tx('workspaces').where({ name: workspace }).first();
  if (tx.client.config.client === 'pg') query.forUpdate();
  const ws = await query;
  if (!ws) {
    throw new InputError(`workspace: there is no workspace named '${workspace}'`);
  }
  const overridesRow = await tx('workspace_quota_overrides').where({ workspace }).first();
  const limits = effectiveLimits(ws.plan, overridesRow ? JSON.parse(overridesRow.overrides) : {});
  const slot = await tx('sandboxes')
    .where({ workspace })
    .whereIn('state', STATES_HOLDING_SLOT)
    .count({ n: '*' })
    .sum({ disk: 'disk_gib' })
    .first();
  const compute = await tx('sandboxes')
    .where({ workspace })
    .whereIn('state', STATES_HOLDING_COMPUTE)
    .sum({ cpus: 'cpus', memory: 'memory_mib' })
    .first();
  return {
    limits,
    archived: Boolean(ws.archived_at),
    usage: {
      sandboxes: Number(slot?.n ?? 0),
      diskGiB: Number(slot?.disk ?? 0),
      vcpus: Number(compute?.cpus ?? 0),
      memoryMiB: Number(compute?.memory ?? 0),
    },
  };
}

/** Throws QuotaExceededError for the first limit the request would break. */
export function assertWithinQuota(
  workspace: string,
  limits: QuotaLimits,
  usage: QuotaUsage,
  request: { sandboxes: number; vcpus: number; memoryMiB: number; diskGiB: number },
) {
  const checks: Array<[QuotaResource, number, number, number | null]> = [
    ['sandboxes', usage.sandboxes, request.sandboxes, limits.maxSandboxes],
    ['vcpus', usage.vcpus, request.vcpus, limits.maxVcpus],
    ['memory', usage.memoryMiB, request.memoryMiB, limits.maxMemoryMiB],
    ['disk', usage.diskGiB, request.diskGiB, limits.maxDiskGiB],
  ];
  for (const [resource, used, requested, limit] of checks) {
    if (requested > 0 && limit !== null && used + requested > limit + 1e-9) {
      throw new QuotaExceededError(workspace, resource, round(used), round(requested), limit);
    }
  }
}

const round = (n: number) => Math.round(n * 1000) / 1000;
