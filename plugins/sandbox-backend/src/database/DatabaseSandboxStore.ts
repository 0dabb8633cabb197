import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { ConflictError, InputError } from '@backstage/errors';
import type { SandboxSize, SandboxState, SandboxTransition } from '@internal/plugin-sandbox-common';
import { Knex } from 'knex';
import { readUsage, recordUsageTransition } from './usageLedger';
import {
  assertWithinQuota,
  lockAndReadQuota,
  STATES_HOLDING_COMPUTE,
  STATES_HOLDING_SLOT,
} from './quota';
import {
  ListSandboxesFilter,
  SandboxRecord,
  SandboxStore,
  TransitionPatch,
} from './SandboxStore';
import { toDate, toOptionalDate } from './dates';

const migrationsDir = resolvePackagePath('@internal/plugin-sandbox-backend', 'migrations');

type Row = {
  id: string;
  name: string;
  workspace: string;
  owner: string;
  owner_group: string | null;
  template: string;
  image: string;
  size_name: string;
  size: string;
  env: string;
  repo_url: string | null;
  repo_ref: string | null;
  network: boolean | number;
  ttl_seconds: number | null;
  idle_timeout_seconds: number | null;
  labels: string;
  state: string;
  reason: string | null;
  driver: string;
  external_id: string | null;
  live_name: string | null;
  created_at: Date | string | number;
  updated_at: Date | string | number;
  started_at: Date | string | number | null;
  last_activity_at: Date | string | number | null;
  expires_at: Date | string | number | null;
  cpus: number;
  memory_mib: number;
  disk_gib: number;
  /** JSON of SandboxRecord.process (migration 20261129_api_keys). */
  process?: string | null;
};

/** @internal */
export class DatabaseSandboxStore implements SandboxStore {
  static async create(options: {
    database: DatabaseService;
    skipMigrations?: boolean;
  }): Promise<DatabaseSandboxStore> {
    const client = await options.database.getClient();
    if (!options.skipMigrations && !options.database.migrations?.skip) {
      await client.migrate.latest({ directory: migrationsDir });
    }
    await tuneSqlite(client);
    return new DatabaseSandboxStore(client);
  }

  private constructor(private readonly db: Knex) {}

  async insert(record: SandboxRecord): Promise<void> {
    await this.insertWith(record);
  }

  /**
   * Inserts a sandbox that takes over an existing runtime (a warm pool member): `claim.take` runs
   * in the transaction after the quota check and returns the runtime's handle, or undefined when
   * nothing is free (then everything rolls back and this returns undefined). The row starts in
   * `record.state` with that handle, and a `running` row opens its usage interval in the same
   * transaction: the claim, the quota, the row and the ledger commit together or not at all.
   */
  async insertClaimed(
    record: SandboxRecord,
    claim: { take: (tx: Knex.Transaction) => Promise<string | undefined>; reason: string },
  ): Promise<SandboxRecord | undefined> {
    return this.insertWith(record, claim);
  }

  private async insertWith(
    record: SandboxRecord,
    claim?: { take: (tx: Knex.Transaction) => Promise<string | undefined>; reason: string },
  ): Promise<SandboxRecord | undefined> {
    const nothingToClaim = new Error('nothing to claim');
    try {
      return await this.db.transaction(async tx => {
        // quota reserved in the same transaction that writes the row (invariant 1)
        const { limits, usage, archived } = await lockAndReadQuota(tx, record.workspace);
        if (archived) {
          throw new ConflictError(`Workspace '${record.workspace}' is archived: no new sandboxes`);
        }
        assertWithinQuota(record.workspace, limits, usage, {
          sandboxes: 1,
          vcpus: record.size.cpus,
          memoryMiB: record.size.memoryMiB,
          diskGiB: record.size.diskGiB,
        });
        let stored = record;
        if (claim) {
          const externalId = await claim.take(tx);
          if (!externalId) throw nothingToClaim;
          stored = { ...record, externalId };
        }
        const row = this.toRow(stored);
        await tx('sandboxes').insert(row);
        const [inserted] = await tx('sandbox_transitions')
          .insert({
            sandbox_id: record.id,
            from_state: null,
            to_state: record.state,
            reason: claim?.reason ?? record.reason ?? null,
            at: record.createdAt,
          })
          .returning('seq');
        if (claim) {
          const seq = Number(typeof inserted === 'object' ? inserted.seq : inserted);
          await recordUsageTransition(tx, row, stored.state, seq, stored.startedAt ?? record.createdAt);
        }
        return stored;
      });
    } catch (e) {
      if (e === nothingToClaim) return undefined;
      if (isUniqueViolation(e)) {
        throw new ConflictError(
          `A sandbox named '${record.name}' already exists in workspace '${record.workspace}'`,
        );
      }
      throw e;
    }
  }

  async get(id: string): Promise<SandboxRecord | undefined> {
    const row = await this.db<Row>('sandboxes').where({ id }).first();
    return row ? this.fromRow(row) : undefined;
  }

  async list(filter: ListSandboxesFilter) {
    const base = this.db<Row>('sandboxes');
    if (filter.workspace) base.where('workspace', filter.workspace);
    if (filter.owner) base.where('owner', filter.owner);
    if (filter.state) base.where('state', filter.state);
    if (filter.states) base.whereIn('state', filter.states as SandboxState[]);
    if (!filter.includeDeleted && filter.state !== 'deleted') base.whereNot('state', 'deleted');

    const countRow = await base.clone().count<{ count: number | string }[]>({ count: '*' });
    const totalCount = Number(countRow[0]?.count ?? 0);

    const page = base.clone();
    if (filter.cursor) {
      const { createdAt, id } = decodeCursor(filter.cursor);
      page.where(q =>
        q.where('created_at', '<', createdAt).orWhere(q2 =>
          q2.where('created_at', '=', createdAt).andWhere('id', '<', id),
        ),
      );
    }
    const rows = await page
      .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
      .limit(filter.limit + 1);
    const items = rows.slice(0, filter.limit).map(r => this.fromRow(r));
    const last = items[items.length - 1];
    const nextCursor =
      rows.length > filter.limit && last ? encodeCursor(last.createdAt, last.id) : undefined;
    return { items, totalCount, nextCursor };
  }

  async transition(
    id: string,
    from: readonly SandboxState[],
    to: SandboxState,
    patch: TransitionPatch,
    at: Date,
  ): Promise<SandboxRecord | undefined> {
    return this.db.transaction(async tx => {
      const current = await tx<Row>('sandboxes').where({ id }).first();
      if (!current || !from.includes(current.state as SandboxState)) {
        return undefined;
      }
      const startsCompute =
        STATES_HOLDING_COMPUTE.includes(to) && !STATES_HOLDING_COMPUTE.includes(current.state);
      if (startsCompute) {
        // a start takes CPU and memory again: check it in this transaction
        const { limits, usage } = await lockAndReadQuota(tx, current.workspace);
        assertWithinQuota(current.workspace, limits, usage, {
          sandboxes: STATES_HOLDING_SLOT.includes(current.state) ? 0 : 1,
          vcpus: current.cpus,
          memoryMiB: current.memory_mib,
          diskGiB: STATES_HOLDING_SLOT.includes(current.state) ? 0 : current.disk_gib,
        });
      }
      const update: Partial<Row> = { state: to, updated_at: at };
      if (patch.reason !== undefined) update.reason = patch.reason;
      if (patch.externalId !== undefined) update.external_id = patch.externalId;
      if (patch.startedAt !== undefined) update.started_at = patch.startedAt;
      if (patch.lastActivityAt !== undefined) update.last_activity_at = patch.lastActivityAt;
      if (to === 'deleted') update.live_name = null;
      // compare-and-set: the WHERE on the state we read makes a concurrent change lose cleanly
      const changed = await tx('sandboxes')
        .where({ id, state: current.state })
        .update(update);
      if (changed !== 1) {
        return undefined;
      }
      const [inserted] = await tx('sandbox_transitions')
        .insert({
          sandbox_id: id,
          from_state: current.state,
          to_state: to,
          reason: patch.reason ?? null,
          at,
        })
        .returning('seq');
      const seq = Number(typeof inserted === 'object' ? inserted.seq : inserted);
      // the usage ledger moves in the same transaction as the state (invariant 2)
      await recordUsageTransition(tx, current, to, seq, at);
      const row = await tx<Row>('sandboxes').where({ id }).first();
      return row ? this.fromRow(row) : undefined;
    });
  }

  async transitions(id: string): Promise<SandboxTransition[]> {
    const rows = await this.db('sandbox_transitions')
      .where({ sandbox_id: id })
      .orderBy('seq', 'asc');
    return rows.map(r => ({
      from: (r.from_state ?? null) as SandboxState | null,
      to: r.to_state as SandboxState,
      at: toDate(r.at).toISOString(),
      ...(r.reason ? { reason: r.reason } : {}),
    }));
  }

  async resize(id: string, size: SandboxSize, at: Date): Promise<SandboxRecord | undefined> {
    return this.db.transaction(async tx => {
      const current = await tx<Row>('sandboxes').where({ id, state: 'stopped' }).first();
      if (!current) return undefined;
      const { limits, usage } = await lockAndReadQuota(tx, current.workspace);
      assertWithinQuota(current.workspace, limits, usage, {
        sandboxes: 0,
        vcpus: 0,
        memoryMiB: 0,
        diskGiB: Math.max(0, size.diskGiB - current.disk_gib),
      });
      const changed = await tx('sandboxes').where({ id, state: 'stopped' }).update({
        size_name: size.name,
        size: JSON.stringify(size),
        cpus: size.cpus,
        memory_mib: size.memoryMiB,
        disk_gib: size.diskGiB,
        updated_at: at,
      });
      if (changed !== 1) return undefined;
      const row = await tx<Row>('sandboxes').where({ id }).first();
      return row ? this.fromRow(row) : undefined;
    });
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.db('sandboxes').where({ id }).update({ last_activity_at: at });
  }

  readUsage(filter: { after?: number; limit: number; workspace?: string }) {
    return readUsage(this.db, filter);
  }

  async countByStateAndWorkspace() {
    const rows = await this.db('sandboxes')
      .whereNot('state', 'deleted')
      .select('state', 'workspace')
      .count({ count: '*' })
      .groupBy('state', 'workspace');
    return (rows as Array<{ state: string; workspace: string; count: number | string }>).map(r => ({
      state: String(r.state),
      workspace: String(r.workspace),
      count: Number(r.count),
    }));
  }

  private toRow(r: SandboxRecord): Row {
    return {
      id: r.id,
      name: r.name,
      workspace: r.workspace,
      owner: r.owner,
      owner_group: r.ownerGroup ?? null,
      template: r.template,
      image: r.image,
      size_name: r.size.name,
      size: JSON.stringify(r.size),
      env: JSON.stringify(r.env),
      repo_url: r.repo?.url ?? null,
      repo_ref: r.repo?.ref ?? null,
      network: r.network,
      ttl_seconds: r.ttlSeconds,
      idle_timeout_seconds: r.idleTimeoutSeconds,
      labels: JSON.stringify(r.labels),
      state: r.state,
      reason: r.reason ?? null,
      driver: r.driver,
      external_id: r.externalId ?? null,
      live_name: r.state === 'deleted' ? null : r.name,
      created_at: r.createdAt,
      updated_at: r.updatedAt,
      started_at: r.startedAt ?? null,
      last_activity_at: r.lastActivityAt ?? null,
      expires_at: r.expiresAt ?? null,
      cpus: r.size.cpus,
      memory_mib: r.size.memoryMiB,
      disk_gib: r.size.diskGiB,
      process: r.process ? JSON.stringify(r.process) : null,
    };
  }

  private fromRow(row: Row): SandboxRecord {
    return {
      id: row.id,
      name: row.name,
      workspace: row.workspace,
      owner: row.owner,
      ownerGroup: row.owner_group ?? undefined,
      template: row.template,
      image: row.image,
      size: JSON.parse(row.size),
      env: JSON.parse(row.env),
      repo: row.repo_url ? { url: row.repo_url, ...(row.repo_ref ? { ref: row.repo_ref } : {}) } : undefined,
      network: Boolean(row.network),
      ttlSeconds: row.ttl_seconds ?? null,
      idleTimeoutSeconds: row.idle_timeout_seconds ?? null,
      labels: JSON.parse(row.labels),
      state: row.state as SandboxState,
      reason: row.reason ?? undefined,
      driver: row.driver,
      externalId: row.external_id ?? undefined,
      ...(row.process ? { process: JSON.parse(row.process) } : {}),
      createdAt: toDate(row.created_at),
      updatedAt: toDate(row.updated_at),
      startedAt: toOptionalDate(row.started_at),
      lastActivityAt: toOptionalDate(row.last_activity_at),
      expiresAt: toOptionalDate(row.expires_at),
    };
  }
}

function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const createdAt = new Date(at);
    if (typeof id !== 'string' || Number.isNaN(createdAt.getTime())) throw new Error('shape');
    return { createdAt, id };
  } catch {
    throw new InputError('cursor: not a cursor returned by this API');
  }
}

function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return (
    err?.code === '23505' || // postgres
    err?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    /UNIQUE constraint failed|duplicate key value/i.test(err?.message ?? '')
  );
}

/**
 * SQLite file databases: write-ahead logging (readers never wait for the writer) and
 * `synchronous = NORMAL` (a commit is one WAL append, fsync at checkpoints; durable across a
 * process crash, which is what a backend restart is). Every exec writes an audit row, so this is on
 * the hot path. PostgreSQL is left alone; in-memory SQLite answers `memory` and is unaffected.
 */
export async function tuneSqlite(db: Knex): Promise<void> {
  const client = String(db.client.config?.client ?? '');
  if (!client.includes('sqlite')) return;
  await db.raw('PRAGMA journal_mode = WAL');
  await db.raw('PRAGMA synchronous = NORMAL');
}
