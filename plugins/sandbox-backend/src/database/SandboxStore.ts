import type { Knex } from 'knex';
import type { UsageRecord } from './usageLedger';
import type {
  SandboxSize,
  SandboxState,
  SandboxTransition,
} from '@internal/plugin-sandbox-common';

/** A sandbox row as the backend keeps it (links and entity ref are derived by the service). */
export interface SandboxRecord {
  id: string;
  name: string;
  workspace: string;
  owner: string;
  ownerGroup?: string;
  template: string;
  image: string;
  size: SandboxSize;
  env: Record<string, string>;
  repo?: { url: string; ref?: string };
  network: boolean;
  ttlSeconds: number | null;
  idleTimeoutSeconds: number | null;
  labels: Record<string, string>;
  state: SandboxState;
  reason?: string;
  driver: string;
  externalId?: string;
  createdAt: Date;
  updatedAt: Date;
  startedAt?: Date;
  lastActivityAt?: Date;
  expiresAt?: Date;
  /**
   * The sandbox's main process when it is not the image's usual one (OpenHands runtimes: the
   * agent server), kept so a re-create runs it again. Set by services, never by the public API.
   */
  process?: { command: string[]; workingDir?: string; uid?: number; gid?: number };
}

export interface ListSandboxesFilter {
  workspace?: string;
  owner?: string;
  state?: SandboxState;
  /** Only these states (used by the reconciler). */
  states?: readonly SandboxState[];
  /** Include rows in state `deleted` (default: false unless `state` asks for them). */
  includeDeleted?: boolean;
  limit: number;
  cursor?: string;
}

/** Fields a transition may set alongside the new state. */
export interface TransitionPatch {
  reason?: string | null;
  externalId?: string;
  startedAt?: Date;
  lastActivityAt?: Date;
}

/**
 * Persistence of sandboxes. Every state change is a compare-and-set on the current state, so two
 * replicas (or a request racing the reconciler) never both act on one sandbox.
 * @internal
 */
export interface SandboxStore {
  /** Inserts a new sandbox; throws ConflictError when the name is taken in the workspace. */
  insert(record: SandboxRecord): Promise<void>;
  /**
   * Inserts a sandbox that takes over an existing runtime (warm pools): `claim.take` runs inside
   * the insert's transaction (after the quota check) and returns the runtime handle, or undefined
   * when nothing is free, which rolls everything back and resolves undefined.
   */
  insertClaimed?(
    record: SandboxRecord,
    claim: { take: (tx: Knex.Transaction) => Promise<string | undefined>; reason: string },
  ): Promise<SandboxRecord | undefined>;
  get(id: string): Promise<SandboxRecord | undefined>;
  list(filter: ListSandboxesFilter): Promise<{
    items: SandboxRecord[];
    totalCount: number;
    nextCursor?: string;
  }>;
  /**
   * Moves a sandbox from one of `from` to `to` and records the transition. Returns the updated
   * record, or undefined when the sandbox was not in one of `from` (someone else moved it).
   */
  transition(
    id: string,
    from: readonly SandboxState[],
    to: SandboxState,
    patch: TransitionPatch,
    at: Date,
  ): Promise<SandboxRecord | undefined>;
  transitions(id: string): Promise<SandboxTransition[]>;
  touch(id: string, at: Date): Promise<void>;
  /** New size for a stopped sandbox; checks the disk quota in the same transaction. */
  resize(id: string, size: SandboxSize, at: Date): Promise<SandboxRecord | undefined>;
  /** Closed usage records after an id cursor, oldest first (the ledger billing ingests). */
  readUsage(filter: { after?: number; limit: number; workspace?: string }): Promise<{ items: UsageRecord[]; nextCursor?: number }>;
  /** Live sandboxes (not deleted) counted by state and workspace, for the `sandboxes` gauge. */
  countByStateAndWorkspace(): Promise<Array<{ state: string; workspace: string; count: number }>>;
}
