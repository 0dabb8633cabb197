/**
 * The lifecycle states of a sandbox, as observed. Transitional states end in -ing.
 *
 * pending -> provisioning -> running -> stopping -> stopped -> (provisioning -> running ...)
 * running -> pausing -> paused -> resuming -> running   (paused -> stopping also works)
 * any -> deleting -> deleted;  any non-final -> failed (with a reason)
 *
 * `paused` is frozen in place: on Docker the cgroup freezer keeps memory and processes, on
 * Kubernetes the pod is scaled to zero and only the volume is kept. It uses no CPU and is metered
 * as storage only, but it still counts against the workspace's vCPU and memory quota (a frozen
 * cgroup holds its memory, and resume must not fail for want of room).
 */
export const SANDBOX_STATES = [
  'pending',
  'provisioning',
  'running',
  'pausing',
  'paused',
  'resuming',
  'stopping',
  'stopped',
  'deleting',
  'deleted',
  'failed',
] as const;
export type SandboxState = (typeof SANDBOX_STATES)[number];

/**
 * States in which a sandbox consumes compute (metered as runtime). `paused` is not among them
 * (metered as storage only) although quotas still count it: see the state diagram above.
 */
export const SANDBOX_STATES_CONSUMING_COMPUTE: readonly SandboxState[] = [
  'pending',
  'provisioning',
  'running',
  'pausing',
  'resuming',
  'stopping',
];

/** States from which no further transition happens. */
export const SANDBOX_FINAL_STATES: readonly SandboxState[] = ['deleted'];

/** Allowed transitions: from -> to[]. Anything else is a ConflictError. */
export const SANDBOX_TRANSITIONS: Record<SandboxState, readonly SandboxState[]> = {
  pending: ['provisioning', 'failed', 'deleting'],
  provisioning: ['running', 'failed', 'deleting'],
  running: ['stopping', 'pausing', 'failed', 'deleting'],
  pausing: ['paused', 'running', 'failed', 'deleting'],
  paused: ['resuming', 'stopping', 'failed', 'deleting'],
  resuming: ['running', 'paused', 'failed', 'deleting'],
  stopping: ['stopped', 'failed', 'deleting'],
  stopped: ['provisioning', 'deleting', 'failed'],
  failed: ['deleting', 'provisioning'],
  deleting: ['deleted', 'failed'],
  deleted: [],
};

export function canTransition(from: SandboxState, to: SandboxState): boolean {
  return SANDBOX_TRANSITIONS[from].includes(to);
}

/** A named size: the cgroup limits a sandbox runs with. */
export interface SandboxSize {
  name: string;
  /** Virtual CPUs (may be fractional, e.g. 0.5). */
  cpus: number;
  /** Memory limit in MiB. */
  memoryMiB: number;
  /** Size of the /workspace volume in GiB (enforced where the storage driver can). */
  diskGiB: number;
  /** Maximum number of processes. */
  pids: number;
}

export const SANDBOX_SIZES: Record<string, SandboxSize> = {
  small: { name: 'small', cpus: 0.5, memoryMiB: 512, diskGiB: 5, pids: 256 },
  medium: { name: 'medium', cpus: 1, memoryMiB: 2048, diskGiB: 10, pids: 512 },
  large: { name: 'large', cpus: 2, memoryMiB: 4096, diskGiB: 20, pids: 1024 },
};

/** One recorded state change. */
export interface SandboxTransition {
  from: SandboxState | null;
  to: SandboxState;
  at: string;
  reason?: string;
}

/** IDE deep links for a sandbox. */
export interface SandboxLinks {
  /** The sandbox's page in the portal. */
  portal: string;
  /** `vscode://vscode-remote/ssh-remote+<host>/workspace` */
  vscode?: string;
  /** `jetbrains-gateway://connect#...` */
  jetbrainsGateway?: string;
}

/** A sandbox as the API returns it. */
export interface Sandbox {
  id: string;
  name: string;
  workspace: string;
  /** Entity ref of the user who owns it, e.g. `user:default/guest`. */
  owner: string;
  /** Entity ref of the group that owns the catalog Resource, e.g. `group:default/guests`. */
  ownerGroup?: string;
  template: string;
  image: string;
  size: SandboxSize;
  env: Record<string, string>;
  repo?: { url: string; ref?: string };
  /** Give the sandbox a network (default: none). */
  network: boolean;
  /** Time to live in seconds, counted from creation; null = none. */
  ttlSeconds: number | null;
  /** Stop after this many idle seconds; null = never. */
  idleTimeoutSeconds: number | null;
  labels: Record<string, string>;
  state: SandboxState;
  /** Why the sandbox is `failed` (or the last error). */
  reason?: string;
  driver: string;
  /** The driver's handle (container id, claim name). */
  externalId?: string;
  createdAt: string;
  updatedAt: string;
  /** When it last entered `running`. */
  startedAt?: string;
  expiresAt?: string;
  links: SandboxLinks;
  /** Catalog entity ref of its Resource, e.g. `resource:default/sandbox-my-box`. */
  entityRef: string;
}

export interface SandboxWithHistory extends Sandbox {
  transitions: SandboxTransition[];
}

export interface SandboxList {
  items: Sandbox[];
  totalCount: number;
  /** Opaque cursor for the next page, absent on the last page. */
  nextCursor?: string;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}
