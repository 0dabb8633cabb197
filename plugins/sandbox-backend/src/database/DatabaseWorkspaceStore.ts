import { ConflictError, NotFoundError } from '@backstage/errors';
import type {
  AuditEntry,
  AuditOutcome,
  PlanName,
  QuotaLimits,
  Workspace,
  WorkspaceMember,
  WorkspaceQuota,
  WorkspaceRole,
} from '@internal/plugin-sandbox-common';
import { Knex } from 'knex';
import { effectiveLimits, STATES_HOLDING_COMPUTE, STATES_HOLDING_SLOT } from './quota';
import { toDate } from './dates';

type WorkspaceRow = {
  name: string;
  title: string;
  description: string | null;
  plan: string;
  backing_group: string | null;
  archived_at: Date | string | number | null;
  created_at: Date | string | number;
  created_by: string;
};

export interface AuditFilter {
  workspace?: string;
  /** Only entries of these workspaces (what the caller may see). */
  workspaces?: string[];
  actor?: string;
  action?: string;
  outcome?: AuditOutcome;
  targetId?: string;
  limit: number;
  /** Entries with an id below this one (the previous page's last id). */
  cursor?: number;
}

/**
 * Workspaces, members, quota overrides and the audit log. Shares the sandbox plugin's database;
 * nothing outside this plugin reads these tables.
 * @internal
 */
export class DatabaseWorkspaceStore {
  constructor(private readonly db: Knex) {}

  async createWorkspace(ws: Workspace, members: Array<Omit<WorkspaceMember, 'addedAt'> & { addedAt: Date }>): Promise<void> {
    try {
      await this.db.transaction(async tx => {
        await tx('workspaces').insert({
          name: ws.name,
          title: ws.title,
          description: ws.description ?? null,
          plan: ws.plan,
          backing_group: ws.backingGroup ?? null,
          archived_at: null,
          created_at: new Date(ws.createdAt),
          created_by: ws.createdBy,
        });
        for (const m of members) {
          await tx('workspace_members').insert({
            workspace: ws.name,
            member_ref: m.memberRef.toLowerCase(),
            role: m.role,
            added_at: m.addedAt,
            added_by: m.addedBy,
          });
        }
      });
    } catch (e) {
      if (/UNIQUE|duplicate key/i.test((e as Error).message)) {
        throw new ConflictError(`A workspace named '${ws.name}' already exists`);
      }
      throw e;
    }
  }

  async getWorkspace(name: string): Promise<Workspace | undefined> {
    const row = await this.db<WorkspaceRow>('workspaces').where({ name }).first();
    return row ? toWorkspace(row) : undefined;
  }

  async requireWorkspace(name: string): Promise<Workspace> {
    const ws = await this.getWorkspace(name);
    if (!ws) throw new NotFoundError(`No workspace named '${name}'`);
    return ws;
  }

  async listWorkspaces(names?: string[]): Promise<Workspace[]> {
    const q = this.db<WorkspaceRow>('workspaces').orderBy('name');
    if (names) q.whereIn('name', names);
    return (await q).map(toWorkspace);
  }

  async updateWorkspace(name: string, patch: { title?: string; description?: string; plan?: PlanName; archived?: boolean }, at: Date) {
    const update: Partial<WorkspaceRow> = {};
    if (patch.title !== undefined) update.title = patch.title;
    if (patch.description !== undefined) update.description = patch.description;
    if (patch.plan !== undefined) update.plan = patch.plan;
    if (patch.archived !== undefined) update.archived_at = patch.archived ? at : null;
    if (Object.keys(update).length) {
      await this.db('workspaces').where({ name }).update(update);
    }
  }

  async members(workspace: string): Promise<WorkspaceMember[]> {
    const rows = await this.db('workspace_members').where({ workspace }).orderBy('member_ref');
    return rows.map(r => ({
      memberRef: r.member_ref,
      role: r.role as WorkspaceRole,
      addedAt: toDate(r.added_at).toISOString(),
      addedBy: r.added_by,
    }));
  }

  /** Members of many workspaces at once (permission rules load them in batches). */
  async membersOf(workspaces: string[]): Promise<Map<string, WorkspaceMember[]>> {
    const map = new Map<string, WorkspaceMember[]>(workspaces.map(w => [w, []]));
    if (workspaces.length === 0) return map;
    const rows = await this.db('workspace_members').whereIn('workspace', [...new Set(workspaces)]);
    for (const r of rows) {
      map.get(r.workspace)?.push({
        memberRef: r.member_ref,
        role: r.role,
        addedAt: toDate(r.added_at).toISOString(),
        addedBy: r.added_by,
      });
    }
    return map;
  }

  /** Workspaces in which any of the claims (user + group refs) holds a role. */
  async workspacesOf(claims: string[]): Promise<Map<string, WorkspaceRole[]>> {
    const rows = await this.db('workspace_members').whereIn('member_ref', claims.map(c => c.toLowerCase()));
    const map = new Map<string, WorkspaceRole[]>();
    for (const r of rows) map.set(r.workspace, [...(map.get(r.workspace) ?? []), r.role]);
    return map;
  }

  async setMember(workspace: string, memberRef: string, role: WorkspaceRole, by: string, at: Date): Promise<WorkspaceMember> {
    const ref = memberRef.toLowerCase();
    await this.db('workspace_members')
      .insert({ workspace, member_ref: ref, role, added_at: at, added_by: by })
      .onConflict(['workspace', 'member_ref'])
      .merge({ role });
    return (await this.members(workspace)).find(m => m.memberRef === ref)!;
  }

  async removeMember(workspace: string, memberRef: string): Promise<boolean> {
    const n = await this.db('workspace_members').where({ workspace, member_ref: memberRef.toLowerCase() }).delete();
    return n > 0;
  }

  async getOverrides(workspace: string): Promise<Partial<QuotaLimits>> {
    const row = await this.db('workspace_quota_overrides').where({ workspace }).first();
    return row ? JSON.parse(row.overrides) : {};
  }

  async setOverrides(workspace: string, overrides: Partial<QuotaLimits>, by: string, at: Date) {
    await this.db('workspace_quota_overrides')
      .insert({ workspace, overrides: JSON.stringify(overrides), updated_at: at, updated_by: by })
      .onConflict('workspace')
      .merge(['overrides', 'updated_at', 'updated_by']);
  }

  async getQuota(workspace: string): Promise<WorkspaceQuota> {
    const ws = await this.requireWorkspace(workspace);
    const overrides = await this.getOverrides(workspace);
    const slot = await this.db('sandboxes').where({ workspace }).whereIn('state', STATES_HOLDING_SLOT)
      .count({ n: '*' }).sum({ disk: 'disk_gib' }).first();
    const compute = await this.db('sandboxes').where({ workspace }).whereIn('state', STATES_HOLDING_COMPUTE)
      .sum({ cpus: 'cpus', memory: 'memory_mib' }).first();
    return {
      plan: ws.plan,
      limits: effectiveLimits(ws.plan, overrides),
      overrides,
      usage: {
        sandboxes: Number(slot?.n ?? 0),
        diskGiB: Number(slot?.disk ?? 0),
        vcpus: Number(compute?.cpus ?? 0),
        memoryMiB: Number(compute?.memory ?? 0),
      },
    };
  }

  // --- audit log (append-only) ---

  async appendAudit(entry: Omit<AuditEntry, 'id' | 'at'> & { at: Date }): Promise<void> {
    await this.db('audit_events').insert({
      at: entry.at,
      actor: entry.actor,
      action: entry.action,
      target_type: entry.targetType,
      target_id: entry.targetId,
      workspace: entry.workspace ?? null,
      outcome: entry.outcome,
      request_id: entry.requestId ?? null,
      message: entry.message ?? null,
    });
  }

  async listAudit(filter: AuditFilter): Promise<{ items: AuditEntry[]; nextCursor?: number }> {
    const q = this.db('audit_events').orderBy('id', 'desc').limit(filter.limit + 1);
    if (filter.workspace) q.where('workspace', filter.workspace);
    if (filter.workspaces) q.whereIn('workspace', filter.workspaces);
    if (filter.actor) q.where('actor', filter.actor);
    if (filter.action) q.where('action', filter.action);
    if (filter.outcome) q.where('outcome', filter.outcome);
    if (filter.targetId) q.where('target_id', filter.targetId);
    if (filter.cursor) q.where('id', '<', filter.cursor);
    const rows = await q;
    const items: AuditEntry[] = rows.slice(0, filter.limit).map(r => ({
      id: Number(r.id),
      at: toDate(r.at).toISOString(),
      actor: r.actor,
      action: r.action,
      targetType: r.target_type,
      targetId: r.target_id,
      ...(r.workspace ? { workspace: r.workspace } : {}),
      outcome: r.outcome,
      ...(r.request_id ? { requestId: r.request_id } : {}),
      ...(r.message ? { message: r.message } : {}),
    }));
    return {
      items,
      ...(rows.length > filter.limit ? { nextCursor: items[items.length - 1].id } : {}),
    };
  }

  /** Transitions of a workspace's sandboxes since `since` (for the activity charts). */
  async transitionsSince(workspace: string, since: Date) {
    const rows = await this.db('sandbox_transitions as t')
      .join('sandboxes as s', 's.id', 't.sandbox_id')
      .where('s.workspace', workspace)
      .andWhere(q => q.where('t.at', '>=', since).orWhere('s.state', '=', 'running'))
      .orderBy('t.seq', 'asc')
      .select('t.sandbox_id', 't.from_state', 't.to_state', 't.at');
    return rows.map(r => ({
      sandboxId: r.sandbox_id as string,
      from: r.from_state as string | null,
      to: r.to_state as string,
      at: toDate(r.at),
    }));
  }
}

function toWorkspace(row: WorkspaceRow): Workspace {
  return {
    name: row.name,
    title: row.title,
    ...(row.description ? { description: row.description } : {}),
    plan: row.plan as PlanName,
    ...(row.backing_group ? { backingGroup: row.backing_group } : {}),
    archived: Boolean(row.archived_at),
    createdAt: toDate(row.created_at).toISOString(),
    createdBy: row.created_by,
  };
}
