import type { ExecResult, SandboxSize } from '@internal/plugin-sandbox-common';
import type { Readable } from 'node:stream';

/**
 * The contract between the sandbox backend and a runtime (Docker engine, Kubernetes + Crossplane).
 *
 * Rules every driver follows:
 * - Everything a driver creates carries the labels of {@link SandboxSpec.labels}, which always
 *   include `portal.sandbox/id`, `portal.sandbox/workspace` and `portal.sandbox/owner`; `list()`
 *   finds resources by the `portal.sandbox/managed=true` label alone, so the reconciler can see
 *   resources that no database row knows about.
 * - `create` is all-or-nothing: when it throws, it has removed whatever it had created.
 * - `create` on a spec whose id already exists returns the existing instance (idempotent: the
 *   reconciler may call it again after a crash).
 * - `remove` of something that does not exist succeeds (idempotent); it removes the workspace volume.
 * - Errors are thrown as {@link DriverError} with a message a user can read.
 */
export interface SandboxDriver {
  /** Short name shown in the API (`docker`, `kubernetes`). */
  readonly name: string;

  /** Checks the runtime answers; throws DriverUnavailableError with how to fix it otherwise. */
  healthCheck(signal?: AbortSignal): Promise<void>;

  /** Creates and starts the sandbox (container + volume, or claim). Resolves once it runs. */
  create(spec: SandboxSpec, log?: DriverLogger): Promise<SandboxInstance>;

  /**
   * Starts a stopped sandbox again (same volume). With `size`, the runtime's limits are set to it
   * first (a stopped sandbox may have been resized).
   */
  start(externalId: string, options?: { size?: SandboxSize }): Promise<SandboxInstance>;

  /**
   * Pause (optional): freezes a running sandbox in place (Docker: the cgroup freezer, memory and
   * processes kept; Kubernetes: the pod scaled to zero, the volume kept). Resolves once the
   * runtime reports it paused. Pausing a paused sandbox succeeds.
   */
  pause?(externalId: string): Promise<void>;

  /**
   * Resumes a paused sandbox; resolves once it runs again with the same /workspace. Resuming a
   * running sandbox succeeds.
   */
  resume?(externalId: string): Promise<SandboxInstance>;

  /** Stops it, keeping its volume. */
  stop(externalId: string, options?: { timeoutSeconds?: number }): Promise<void>;

  /** Removes it and its volume. */
  remove(externalId: string): Promise<void>;

  /** What the runtime says about one sandbox; undefined when it is gone. */
  inspect(externalId: string): Promise<SandboxInstance | undefined>;

  /** Every sandbox resource this portal manages (by label), for the reconciler. */
  list(): Promise<SandboxInstance[]>;

  /** Runs a one-shot command and collects its output. */
  exec(externalId: string, request: DriverExecRequest): Promise<ExecResult>;

  /** The last `tail` lines of the sandbox's main process output. */
  logs(externalId: string, options?: { tail?: number }): Promise<string>;

  /**
   * Backups (optional): the content of /workspace as an opaque archive stream (a tar on Docker),
   * for a running or stopped sandbox.
   */
  exportWorkspace?(externalId: string): Promise<Readable>;

  /**
   * Replaces the content of /workspace with an archive from {@link exportWorkspace} (what was
   * there is removed first). The sandbox is left in the state it was in.
   */
  importWorkspace?(externalId: string, archive: Readable): Promise<void>;

  /**
   * Clones a repo into /workspace of a RUNNING sandbox (warm pools: the clone of a claimed pool
   * member happens after the claim). Optional: without it, creates with a repo never use a pool.
   */
  cloneRepo?(externalId: string, repo: { url: string; ref?: string }, log?: DriverLogger): Promise<void>;

  /**
   * Where the sandbox's in-sandbox agent (agent/portal-agent.js) answers, when this sandbox runs
   * one; undefined otherwise (callers then fall back to {@link exec}).
   */
  agentEndpoint?(externalId: string): Promise<AgentEndpoint | undefined>;
}

/** How the backend reaches a sandbox's agent: a unix socket on this host, or TCP with a token. */
export type AgentEndpoint =
  | { kind: 'unix'; socketPath: string; /** uid that must own the socket (default 1000) */ uid?: number }
  | { kind: 'tcp'; host: string; port: number; token: string };

export interface SandboxSpec {
  /** Portal-wide unique id (also used as the name prefix of runtime resources). */
  id: string;
  name: string;
  workspace: string;
  owner: string;
  image: string;
  size: SandboxSize;
  env: Record<string, string>;
  /** Give the sandbox a network. Default none: fully isolated. */
  network: boolean;
  /** Labels to set on every runtime resource (the driver adds the managed label). */
  labels: Record<string, string>;
  /** Clone this repo into /workspace after start (as the sandbox user). */
  repo?: { url: string; ref?: string };
  /**
   * The sandbox's main process, run by the agent (default: the image's usual idle process). With
   * `uid`/`gid`, the container runs as that user (default 1000:1000).
   */
  process?: { command: string[]; workingDir?: string; uid?: number; gid?: number };
}

export type RuntimeStatus = 'creating' | 'running' | 'paused' | 'stopped' | 'failed' | 'unknown';

export interface SandboxInstance {
  externalId: string;
  /** The sandbox id from the resource's labels. */
  sandboxId?: string;
  status: RuntimeStatus;
  /** Human-readable detail (exit code, OOM, condition message). */
  message?: string;
  labels: Record<string, string>;
  /** The limits the runtime actually applies, read back from it. */
  limits?: { cpus?: number; memoryBytes?: number; pids?: number; networkMode?: string; user?: string };
  startedAt?: string;
}

export interface DriverExecRequest {
  command: string[];
  cwd?: string;
  env?: Record<string, string>;
  timeoutSeconds?: number;
  /** Run as this user (default: the sandbox user). */
  user?: string;
}

export interface DriverLogger {
  info(message: string): void;
}

/** Label keys every runtime resource carries. */
export const SANDBOX_LABELS = {
  managed: 'portal.sandbox/managed',
  id: 'portal.sandbox/id',
  name: 'portal.sandbox/name',
  workspace: 'portal.sandbox/workspace',
  owner: 'portal.sandbox/owner',
  template: 'portal.sandbox/template',
  /** On warm pool members only: the template whose pool made it (labels never change later). */
  pool: 'portal.sandbox/pool',
} as const;

/** A runtime error a user can act on (bad image, clone failed, limits rejected). */
export class DriverError extends Error {
  name = 'DriverError';
}

/** The runtime cannot be reached at all (engine down, socket missing, cluster unreachable). */
export class DriverUnavailableError extends Error {
  name = 'DriverUnavailableError';
}
