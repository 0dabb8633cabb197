import { Knex } from 'knex';
import { toDate } from './dates';

/** Label that assigns a sandbox's usage to a cost center (cost allocation). */
export const COST_CENTER_LABEL = 'cost-center';

export type UsageKind = 'compute' | 'storage';

/**
 * Which interval a state keeps open: running meters compute; stopped and paused meter storage
 * only (disk GiB-hours, no vCPU or memory). Pausing closes the compute interval and opens a
 * storage one; resuming back to running closes that and opens compute again.
 */
export function usageKindOf(state: string): UsageKind | undefined {
  if (state === 'running') return 'compute';
  if (state === 'stopped' || state === 'paused') return 'storage';
  return undefined;
}

/** Splits [start, end) at UTC month boundaries (billing periods). */
export function splitAtMonths(start: Date, end: Date): Array<[Date, Date]> {
  const parts: Array<[Date, Date]> = [];
  let from = start.getTime();
  const to = end.getTime();
  while (from < to) {
    const d = new Date(from);
    const nextMonth = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    const until = Math.min(nextMonth, to);
    parts.push([new Date(from), new Date(until)]);
    from = until;
  }
  return parts;
}

/**
 * Moves a sandbox's usage interval along with its state, inside the transaction of the state
 * change, so the ledger can never disagree with the sandbox: closes the open interval (writing
 * one record per month it spans, each with an idempotency key) and opens the next one.
 */
export async function recordUsageTransition(
  tx: Knex.Transaction,
  sandbox: {
    id: string;
    name: string;
    workspace: string;
    owner: string;
    template: string;
    labels: string;
    cpus: number;
    memory_mib: number;
    disk_gib: number;
  },
  toState: string,
  transitionSeq: number,
  at: Date,
): Promise<void> {
  const open = await tx('usage_open').where({ sandbox_id: sandbox.id }).first();
  const nextKind = usageKindOf(toState);
  if (open && open.kind === nextKind) return;
  if (open) {
    const startedAt = toDate(open.started_at);
    const labels = JSON.parse(sandbox.labels ?? '{}') as Record<string, string>;
    const parts = splitAtMonths(startedAt, at);
    if (parts.length) {
      await tx('usage_records')
        .insert(
          parts.map(([from, to], i) => ({
            key: `${sandbox.id}:${open.transition_seq}:${i}`,
            sandbox_id: sandbox.id,
            sandbox_name: sandbox.name,
            workspace: sandbox.workspace,
            owner: sandbox.owner,
            template: sandbox.template,
            cost_center: labels[COST_CENTER_LABEL] ?? null,
            kind: open.kind,
            vcpus: open.kind === 'compute' ? sandbox.cpus : 0,
            memory_mib: open.kind === 'compute' ? sandbox.memory_mib : 0,
            disk_gib: sandbox.disk_gib,
            gpus: 0,
            started_at: from,
            ended_at: to,
            duration_ms: to.getTime() - from.getTime(),
            recorded_at: at,
          })),
        )
        .onConflict('key')
        .ignore();
    }
    await tx('usage_open').where({ sandbox_id: sandbox.id }).delete();
  }
  if (nextKind) {
    await tx('usage_open').insert({
      sandbox_id: sandbox.id,
      kind: nextKind,
      started_at: at,
      transition_seq: transitionSeq,
    });
  }
}

export interface UsageRecord {
  id: number;
  key: string;
  sandboxId: string;
  sandboxName: string;
  workspace: string;
  owner: string;
  template: string;
  costCenter?: string;
  kind: UsageKind;
  vcpus: number;
  memoryMiB: number;
  diskGiB: number;
  gpus: number;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  /** Derived for convenience: vCPU-seconds, GiB-seconds of memory, GiB-hours of disk. */
  vcpuSeconds: number;
  memoryGiBSeconds: number;
  diskGiBHours: number;
}

/** Closed records after `after` (an id cursor), oldest first. */
export async function readUsage(
  db: Knex,
  filter: { after?: number; limit: number; workspace?: string },
): Promise<{ items: UsageRecord[]; nextCursor?: number }> {
  const q = db('usage_records').orderBy('id', 'asc').limit(filter.limit);
  if (filter.after) q.where('id', '>', filter.after);
  if (filter.workspace) q.where('workspace', filter.workspace);
  const rows = await q;
  const items: UsageRecord[] = rows.map(r => {
    const durationMs = Number(r.duration_ms);
    return {
      id: Number(r.id),
      key: r.key,
      sandboxId: r.sandbox_id,
      sandboxName: r.sandbox_name,
      workspace: r.workspace,
      owner: r.owner,
      template: r.template,
      ...(r.cost_center ? { costCenter: r.cost_center } : {}),
      kind: r.kind,
      vcpus: Number(r.vcpus),
      memoryMiB: Number(r.memory_mib),
      diskGiB: Number(r.disk_gib),
      gpus: Number(r.gpus),
      startedAt: toDate(r.started_at).toISOString(),
      endedAt: toDate(r.ended_at).toISOString(),
      durationMs,
      vcpuSeconds: (Number(r.vcpus) * durationMs) / 1000,
      memoryGiBSeconds: ((Number(r.memory_mib) / 1024) * durationMs) / 1000,
      diskGiBHours: (Number(r.disk_gib) * durationMs) / 3_600_000,
    };
  });
  return {
    items,
    ...(items.length === filter.limit ? { nextCursor: items[items.length - 1].id } : {}),
  };
}
