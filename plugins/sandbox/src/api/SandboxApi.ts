import { createApiRef } from '@backstage/frontend-plugin-api';
import type {
  AuditEntry,
  AuditOutcome,
  CreateSandboxRequest,
  CreateWorkspaceRequest,
  ExecRequest,
  ExecResult,
  ListSandboxesQuery,
  PlanName,
  QuotaLimits,
  Sandbox,
  SandboxList,
  SandboxWithHistory,
  Workspace,
  WorkspaceActivityDay,
  WorkspaceDetails,
  WorkspaceMember,
  WorkspaceQuota,
  WorkspaceRole,
} from '@internal/plugin-sandbox-common';

/** A model the portal's Ollama instance serves. */
export interface OllamaModel {
  name: string;
  /** Size on disk in bytes, when Ollama reports it. */
  size?: number;
}

/** Options of {@link SandboxApi.getLogs}. */
export interface GetSandboxLogsOptions {
  /** Number of lines from the end (the backend defaults to 200). */
  tail?: number;
}

/** A workspace in `GET /workspaces`, with the caller's role in it. */
export type WorkspaceListItem = Workspace & { myRole?: WorkspaceRole };

/** Body of `PATCH /workspaces/:name`: only the fields to change. */
export interface UpdateWorkspaceRequest {
  title?: string;
  description?: string;
  plan?: PlanName;
}

/**
 * Body of `PUT /workspaces/:name/quota`: the complete set of overrides. A field
 * left out has no override (the plan default applies), a number overrides the
 * limit and `null` makes it unlimited.
 */
export type QuotaOverrides = { [K in keyof QuotaLimits]?: number | null };

/** Options of {@link SandboxApi.getWorkspaceActivity}. */
export interface GetWorkspaceActivityOptions {
  /** Number of UTC days up to today (the client asks for 30 by default). */
  days?: number;
}

/** Filters and paging of `GET /audit`; empty strings are left out of the query. */
export interface AuditQuery {
  workspace?: string;
  actor?: string;
  action?: string;
  outcome?: AuditOutcome;
  targetId?: string;
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: number;
}

/** One page of the audit log, newest first. */
export interface AuditPage {
  items: AuditEntry[];
  /** Cursor of the next (older) page, absent on the last page. */
  nextCursor?: number;
}

/**
 * Client of the sandbox backend (`/api/sandbox`). Every method rejects with a
 * `ResponseError` from `@backstage/errors` when the backend answers with an error.
 */
export interface SandboxApi {
  createSandbox(request: CreateSandboxRequest): Promise<Sandbox>;
  listSandboxes(query?: ListSandboxesQuery): Promise<SandboxList>;
  getSandbox(id: string): Promise<SandboxWithHistory>;
  startSandbox(id: string): Promise<Sandbox>;
  stopSandbox(id: string): Promise<Sandbox>;
  /** Asks for deletion; the sandbox then goes `deleting` -> `deleted`. */
  deleteSandbox(id: string): Promise<Sandbox>;
  getLogs(id: string, options?: GetSandboxLogsOptions): Promise<string>;
  exec(id: string, request: ExecRequest): Promise<ExecResult>;
  listOllamaModels(): Promise<OllamaModel[]>;
  /** Changes the size of a stopped sandbox (`POST /sandboxes/:id/resize`). */
  resizeSandbox(id: string, size: string): Promise<Sandbox>;

  /** The workspaces the caller can see. */
  listWorkspaces(): Promise<WorkspaceListItem[]>;
  /** Creates a workspace; the caller becomes its owner. */
  createWorkspace(request: CreateWorkspaceRequest): Promise<WorkspaceDetails>;
  getWorkspace(name: string): Promise<WorkspaceDetails>;
  updateWorkspace(name: string, request: UpdateWorkspaceRequest): Promise<WorkspaceDetails>;
  archiveWorkspace(name: string): Promise<WorkspaceDetails>;
  unarchiveWorkspace(name: string): Promise<WorkspaceDetails>;
  /** Adds a member (a user or group entity ref) or changes its role. */
  setWorkspaceMember(
    name: string,
    memberRef: string,
    role: WorkspaceRole,
  ): Promise<WorkspaceMember>;
  removeWorkspaceMember(name: string, memberRef: string): Promise<void>;
  getWorkspaceQuota(name: string): Promise<WorkspaceQuota>;
  /** Replaces the workspace's quota overrides; answers with the effective quota. */
  setWorkspaceQuotaOverrides(name: string, overrides: QuotaOverrides): Promise<WorkspaceQuota>;
  /** One entry per UTC day, oldest first. */
  getWorkspaceActivity(
    name: string,
    options?: GetWorkspaceActivityOptions,
  ): Promise<WorkspaceActivityDay[]>;
  /** The audit log, newest first, one page at a time. */
  listAuditEntries(query?: AuditQuery): Promise<AuditPage>;
}

export const sandboxApiRef = createApiRef<SandboxApi>().with({
  id: 'plugin.sandbox.client',
  pluginId: 'sandbox',
});
