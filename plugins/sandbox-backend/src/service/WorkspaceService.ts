import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  CreateWorkspaceRequest,
  QuotaLimits,
  Workspace,
  WORKSPACE_ROLES,
  WorkspaceActivityDay,
  WorkspaceDetails,
  WorkspaceMember,
  WorkspaceQuota,
  WorkspaceRole,
  createWorkspaceRequestSchema,
} from '@internal/plugin-sandbox-common';
import { z } from 'zod';
import { DatabaseWorkspaceStore } from '../database/DatabaseWorkspaceStore';
import { Clock } from './types';

const DAY_MS = 24 * 3600 * 1000;

/** The strongest of several roles (owner > admin > member > viewer). */
export function strongestRole(roles: WorkspaceRole[]): WorkspaceRole | undefined {
  return WORKSPACE_ROLES.find(r => roles.includes(r));
}

/** Workspaces: membership (users and catalog groups), roles, quota overrides, activity. */
export class WorkspaceService {
  constructor(
    private readonly deps: {
      store: DatabaseWorkspaceStore;
      clock: Clock;
      logger: LoggerService;
      /** Group or user refs of portal administrators (config `sandbox.admins`). */
      admins?: string[];
    },
  ) {}

  /** Portal administrators see every workspace (the permission policy grants them everything). */
  isAdmin(claims: string[]): boolean {
    const admins = new Set((this.deps.admins ?? []).map(a => a.toLowerCase()));
    return claims.some(c => admins.has(c.toLowerCase()));
  }

  get store() {
    return this.deps.store;
  }

  async create(request: z.output<typeof createWorkspaceRequestSchema>, creator: string): Promise<WorkspaceDetails> {
    const now = this.deps.clock.now();
    const ws: Workspace = {
      name: request.name,
      title: request.title ?? request.name,
      ...(request.description ? { description: request.description } : {}),
      plan: request.plan,
      ...(request.backingGroup ? { backingGroup: request.backingGroup.toLowerCase() } : {}),
      archived: false,
      createdAt: now.toISOString(),
      createdBy: creator,
    };
    const members = [{ memberRef: creator, role: 'owner' as const, addedBy: creator, addedAt: now }];
    if (request.backingGroup && request.backingGroup.toLowerCase() !== creator.toLowerCase()) {
      members.push({ memberRef: request.backingGroup, role: request.backingGroupRole as any, addedBy: creator, addedAt: now });
    }
    await this.deps.store.createWorkspace(ws, members);
    return this.details(ws.name, [creator]);
  }

  /** Creates the workspaces named in config if they do not exist yet (idempotent, at start-up). */
  async bootstrap(list: Array<CreateWorkspaceRequest & { members?: Array<{ ref: string; role: WorkspaceRole }> }>) {
    for (const item of list) {
      if (await this.deps.store.getWorkspace(item.name)) continue;
      const { members: _members, ...request } = item;
      const parsed = createWorkspaceRequestSchema.parse(request);
      const now = this.deps.clock.now();
      await this.deps.store.createWorkspace(
        {
          name: parsed.name,
          title: parsed.title ?? parsed.name,
          plan: parsed.plan,
          ...(parsed.backingGroup ? { backingGroup: parsed.backingGroup.toLowerCase() } : {}),
          archived: false,
          createdAt: now.toISOString(),
          createdBy: 'config:sandbox.workspaces',
        },
        [
          ...(parsed.backingGroup ? [{ memberRef: parsed.backingGroup, role: parsed.backingGroupRole, addedBy: 'config', addedAt: now }] : []),
          ...(item.members ?? []).map(m => ({ memberRef: m.ref, role: m.role, addedBy: 'config', addedAt: now })),
        ],
      );
      this.deps.logger.info(`created workspace '${parsed.name}' from config`);
    }
  }

  async details(name: string, claims: string[]): Promise<WorkspaceDetails> {
    const ws = await this.deps.store.requireWorkspace(name);
    const members = await this.deps.store.members(name);
    const lower = claims.map(c => c.toLowerCase());
    const myRole = strongestRole(members.filter(m => lower.includes(m.memberRef)).map(m => m.role));
    return { ...ws, members, quota: await this.deps.store.getQuota(name), ...(myRole ? { myRole } : {}) };
  }

  /** The workspaces the claims belong to (all of them when `all`), with the caller's role. */
  async listFor(claims: string[], all: boolean): Promise<Array<Workspace & { myRole?: WorkspaceRole }>> {
    const roles = await this.deps.store.workspacesOf(claims);
    const list = await this.deps.store.listWorkspaces(all ? undefined : [...roles.keys()]);
    return list.map(ws => {
      const myRole = strongestRole(roles.get(ws.name) ?? []);
      return { ...ws, ...(myRole ? { myRole } : {}) };
    });
  }

  async update(name: string, patch: { title?: string; description?: string; plan?: Workspace['plan'] }) {
    await this.deps.store.requireWorkspace(name);
    await this.deps.store.updateWorkspace(name, patch, this.deps.clock.now());
  }

  async setArchived(name: string, archived: boolean) {
    const ws = await this.deps.store.requireWorkspace(name);
    if (ws.archived === archived) {
      throw new ConflictError(`Workspace '${name}' is already ${archived ? 'archived' : 'active'}`);
    }
    await this.deps.store.updateWorkspace(name, { archived }, this.deps.clock.now());
  }

  async setMember(name: string, memberRef: string, role: WorkspaceRole, by: string): Promise<WorkspaceMember> {
    await this.deps.store.requireWorkspace(name);
    const members = await this.deps.store.members(name);
    await this.assertKeepsAnOwner(name, members, memberRef, role);
    return this.deps.store.setMember(name, memberRef, role, by, this.deps.clock.now());
  }

  async removeMember(name: string, memberRef: string) {
    await this.deps.store.requireWorkspace(name);
    const members = await this.deps.store.members(name);
    await this.assertKeepsAnOwner(name, members, memberRef, undefined);
    if (!(await this.deps.store.removeMember(name, memberRef))) {
      throw new NotFoundError(`'${memberRef}' is not a member of workspace '${name}'`);
    }
  }

  async quota(name: string): Promise<WorkspaceQuota> {
    return this.deps.store.getQuota(name);
  }

  async setQuotaOverrides(name: string, overrides: Partial<QuotaLimits>, by: string): Promise<WorkspaceQuota> {
    await this.deps.store.requireWorkspace(name);
    const clean = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
    await this.deps.store.setOverrides(name, clean, by, this.deps.clock.now());
    return this.deps.store.getQuota(name);
  }

  /** Sandboxes created, failures and running hours per UTC day, oldest first. */
  async activity(name: string, days: number): Promise<WorkspaceActivityDay[]> {
    if (!Number.isInteger(days) || days < 1 || days > 366) {
      throw new InputError('days: must be an integer between 1 and 366');
    }
    await this.deps.store.requireWorkspace(name);
    const now = this.deps.clock.now();
    const todayStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const start = todayStart - (days - 1) * DAY_MS;
    const buckets = new Map<number, WorkspaceActivityDay>();
    for (let d = start; d <= todayStart; d += DAY_MS) {
      buckets.set(d, { day: new Date(d).toISOString().slice(0, 10), created: 0, failures: 0, runningHours: 0 });
    }
    const dayOf = (t: number) => t - (((t % DAY_MS) + DAY_MS) % DAY_MS);
    const transitions = await this.deps.store.transitionsSince(name, new Date(start));
    const runningSince = new Map<string, number>();
    const addRunning = (from: number, to: number) => {
      for (let t = Math.max(from, start); t < to; ) {
        const dayEnd = dayOf(t) + DAY_MS;
        const end = Math.min(dayEnd, to);
        const bucket = buckets.get(dayOf(t));
        if (bucket) bucket.runningHours += (end - t) / 3600_000;
        t = end;
      }
    };
    for (const tr of transitions) {
      const at = tr.at.getTime();
      const bucket = buckets.get(dayOf(at));
      if (tr.from === null && bucket) bucket.created++;
      if (tr.to === 'failed' && bucket) bucket.failures++;
      const openedAt = runningSince.get(tr.sandboxId);
      if (openedAt !== undefined) {
        addRunning(openedAt, at);
        runningSince.delete(tr.sandboxId);
      }
      if (tr.to === 'running') runningSince.set(tr.sandboxId, at);
    }
    for (const openedAt of runningSince.values()) addRunning(openedAt, now.getTime());
    return [...buckets.values()].map(b => ({ ...b, runningHours: Math.round(b.runningHours * 100) / 100 }));
  }

  private async assertKeepsAnOwner(name: string, members: WorkspaceMember[], memberRef: string, newRole?: WorkspaceRole) {
    const ref = memberRef.toLowerCase();
    const owners = members.filter(m => m.role === 'owner' && m.memberRef !== ref);
    if (owners.length === 0 && newRole !== 'owner' && members.some(m => m.memberRef === ref && m.role === 'owner')) {
      throw new ConflictError(`Workspace '${name}' must keep at least one owner`);
    }
  }
}
