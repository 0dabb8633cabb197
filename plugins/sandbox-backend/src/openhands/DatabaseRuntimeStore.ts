import { ConflictError } from '@backstage/errors';
import { Knex } from 'knex';
import { toDate, toOptionalDate } from '../database/dates';

type Timestamp = Date | string | number;
type RuntimeRow = {
  runtime_id: string;
  session_id: string;
  workspace: string;
  sandbox_id: string;
  api_key_id: string;
  image: string;
  session_api_key: string;
  created_at: Timestamp;
  stopped_at: Timestamp | null;
};

export interface RuntimeRecord {
  runtimeId: string;
  sessionId: string;
  workspace: string;
  sandboxId: string;
  apiKeyId: string;
  image: string;
  sessionApiKey: string;
  createdAt: Date;
  stoppedAt?: Date;
}

/**
 * The session <-> runtime mapping of the OpenHands API (table `openhands_runtimes`). A session has
 * at most one live (not stopped) runtime: the unique `live_session` column holds
 * `workspace/session_id` until the runtime is stopped.
 * @internal
 */
export class DatabaseRuntimeStore {
  constructor(private readonly db: Knex) {}

  async insert(record: RuntimeRecord): Promise<void> {
    try {
      await this.db('openhands_runtimes').insert({
        runtime_id: record.runtimeId,
        session_id: record.sessionId,
        workspace: record.workspace,
        sandbox_id: record.sandboxId,
        api_key_id: record.apiKeyId,
        image: record.image,
        session_api_key: record.sessionApiKey,
        created_at: record.createdAt,
        stopped_at: null,
        live_session: `${record.workspace}/${record.sessionId}`,
      });
    } catch (e) {
      if (/UNIQUE|duplicate key/i.test((e as Error).message)) {
        throw new ConflictError(`Session '${record.sessionId}' already has a runtime`);
      }
      throw e;
    }
  }

  async get(workspace: string, runtimeId: string): Promise<RuntimeRecord | undefined> {
    const row = await this.db<RuntimeRow>('openhands_runtimes').where({ workspace, runtime_id: runtimeId }).first();
    return row ? this.mapToRecord(row) : undefined;
  }

  /** For the gateway: the runtime whatever its workspace (the id is the capability). */
  async getById(runtimeId: string): Promise<RuntimeRecord | undefined> {
    const row = await this.db<RuntimeRow>('openhands_runtimes').where({ runtime_id: runtimeId }).first();
    return row ? this.mapToRecord(row) : undefined;
  }

  /** The runtime of each of these sessions: the live one, else the newest stopped one. */
  async latestOfSessions(workspace: string, sessionIds: string[]): Promise<RuntimeRecord[]> {
    if (sessionIds.length === 0) return [];
    const rows = await this.db<RuntimeRow>('openhands_runtimes')
      .where({ workspace })
      .whereIn('session_id', sessionIds)
      .orderByRaw('CASE WHEN stopped_at IS NULL THEN 0 ELSE 1 END')
      .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'runtime_id', order: 'desc' }]);
    const seen = new Map<string, RuntimeRecord>();
    for (const row of rows) if (!seen.has(row.session_id)) seen.set(row.session_id, this.mapToRecord(row));
    return [...seen.values()];
  }

  async live(workspace: string): Promise<RuntimeRecord[]> {
    const rows = await this.db<RuntimeRow>('openhands_runtimes')
      .where({ workspace })
      .whereNull('stopped_at')
      .orderBy('created_at', 'asc');
    return rows.map(r => this.mapToRecord(r));
  }

  /** Compare-and-set: true when this call stopped it. Frees the session for a new runtime. */
  async markStopped(runtimeId: string, at: Date): Promise<boolean> {
    const n = await this.db('openhands_runtimes')
      .where({ runtime_id: runtimeId })
      .whereNull('stopped_at')
      .update({ stopped_at: at, live_session: null });
    return n > 0;
  }

  private mapToRecord(row: RuntimeRow): RuntimeRecord {
    return {
      runtimeId: row.runtime_id,
      sessionId: row.session_id,
      workspace: row.workspace,
      sandboxId: row.sandbox_id,
      apiKeyId: row.api_key_id,
      image: row.image,
      sessionApiKey: row.session_api_key,
      createdAt: toDate(row.created_at),
      ...(row.stopped_at !== null ? { stoppedAt: toOptionalDate(row.stopped_at) } : {}),
    };
  }
}
