import { createApiRef } from '@backstage/frontend-plugin-api';
import type {
  ApiKey,
  AuditEntry,
  Backup,
  BackupSchedule,
  BackupScheduleRequest,
  RestoreBackupRequest,
  AuditOutcome,
  CreateApiKeyRequest,
  CreatedApiKey,
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

/** A TCP port listening inside a sandbox (`GET /sandboxes/:id/ports`). */
export interface SandboxPort {
  port: number;
  /**
   * The portal's proxy URL of the port, made absolute by the client
   * (the backend answers `/api/sandbox/sandboxes/:id/ports/:port/`).
   */
  url: string;
  /** The process listening, when the backend can tell. */
  process?: string;
}

/**
 * A workspace's backup schedule. `lastOutcome` / `lastError` are shown when the
 * backend reports them (they are optional in the API).
 */
export type BackupScheduleInfo = BackupSchedule & {
  lastOutcome?: 'success' | 'failure' | 'partial' | string;
  lastError?: string;
};

/** A workspace-scoped API key as listed; the secret itself is only shown at creation. */
export type WorkspaceApiKey = ApiKey;

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
  /** Freezes a running sandbox (`POST /sandboxes/:id/pause`). */
  pauseSandbox(id: string): Promise<Sandbox>;
  /** Thaws a paused sandbox (`POST /sandboxes/:id/resume`). */
  resumeSandbox(id: string): Promise<Sandbox>;

  /** The TCP ports listening inside a running sandbox, with their preview URLs. */
  listPorts(id: string): Promise<SandboxPort[]>;
  /**
   * The absolute preview URL of any port of the sandbox. Also refreshes the
   * Backstage user cookie the proxy authenticates a browser tab with.
   */
  portUrl(id: string, port: number): Promise<string>;

  /** Backups of a sandbox, newest first. */
  listBackups(sandboxId: string): Promise<Backup[]>;
  /** Backs the sandbox up now; answers once the backup is complete (or fails). */
  createBackup(sandboxId: string): Promise<Backup>;
  /** Restores into a new sandbox or in place (into the stopped source sandbox). */
  restoreBackup(backupId: string, request: RestoreBackupRequest): Promise<Sandbox>;
  deleteBackup(backupId: string): Promise<void>;
  /** The workspace's backup schedule, or undefined when it has none. */
  getBackupSchedule(workspace: string): Promise<BackupScheduleInfo | undefined>;
  setBackupSchedule(
    workspace: string,
    request: BackupScheduleRequest,
  ): Promise<BackupScheduleInfo>;
  /** Turns the schedule off (`DELETE /workspaces/:name/backup-schedule`). */
  deleteBackupSchedule(workspace: string): Promise<void>;

  /** The workspace's API keys, revoked ones included. */
  listApiKeys(workspace: string): Promise<WorkspaceApiKey[]>;
  createApiKey(workspace: string, request: CreateApiKeyRequest): Promise<CreatedApiKey>;
  revokeApiKey(workspace: string, keyId: string): Promise<void>;

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
