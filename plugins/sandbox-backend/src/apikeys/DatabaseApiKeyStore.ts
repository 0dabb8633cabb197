import type { ApiKey } from '@internal/plugin-sandbox-common';
import { Knex } from 'knex';
import { toDate, toOptionalDate } from '../database/dates';

type Timestamp = Date | string | number;
type ApiKeyRow = {
  id: string;
  workspace: string;
  name: string;
  prefix: string;
  secret_hash: string;
  created_by: string;
  created_at: Timestamp;
  expires_at: Timestamp | null;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  revoked_by: string | null;
};

/** A key as stored: the API shape plus the dates as Date objects. */
export interface ApiKeyRecord {
  id: string;
  workspace: string;
  name: string;
  prefix: string;
  createdBy: string;
  createdAt: Date;
  expiresAt?: Date;
  lastUsedAt?: Date;
  revokedAt?: Date;
  revokedBy?: string;
}

export function toApiKey(record: ApiKeyRecord): ApiKey {
  return {
    id: record.id,
    workspace: record.workspace,
    name: record.name,
    prefix: record.prefix,
    createdBy: record.createdBy,
    createdAt: record.createdAt.toISOString(),
    ...(record.expiresAt ? { expiresAt: record.expiresAt.toISOString() } : {}),
    ...(record.lastUsedAt ? { lastUsedAt: record.lastUsedAt.toISOString() } : {}),
    ...(record.revokedAt ? { revokedAt: record.revokedAt.toISOString() } : {}),
    ...(record.revokedBy ? { revokedBy: record.revokedBy } : {}),
  };
}

/**
 * Workspace API keys in the sandbox plugin's database (table `sandbox_api_keys`, created by the
 * plugin's migrations). Only the SHA-256 of a key is kept.
 * @internal
 */
export class DatabaseApiKeyStore {
  constructor(private readonly db: Knex) {}

  async insert(record: ApiKeyRecord, secretHash: string): Promise<void> {
    await this.db('sandbox_api_keys').insert({
      id: record.id,
      workspace: record.workspace,
      name: record.name,
      prefix: record.prefix,
      secret_hash: secretHash,
      created_by: record.createdBy,
      created_at: record.createdAt,
      expires_at: record.expiresAt ?? null,
      last_used_at: null,
      revoked_at: null,
      revoked_by: null,
    });
  }

  /** Newest first, revoked ones included (they show as revoked). */
  async list(workspace: string): Promise<ApiKeyRecord[]> {
    const rows = await this.db<ApiKeyRow>('sandbox_api_keys')
      .where({ workspace })
      .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]);
    return rows.map(r => this.mapToRecord(r));
  }

  async get(workspace: string, id: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.db<ApiKeyRow>('sandbox_api_keys').where({ workspace, id }).first();
    return row ? this.mapToRecord(row) : undefined;
  }

  async findByHash(secretHash: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.db<ApiKeyRow>('sandbox_api_keys').where({ secret_hash: secretHash }).first();
    return row ? this.mapToRecord(row) : undefined;
  }

  /** Compare-and-set: only a key that is not revoked yet. True when this call revoked it. */
  async revoke(workspace: string, id: string, by: string, at: Date): Promise<boolean> {
    const n = await this.db('sandbox_api_keys')
      .where({ workspace, id })
      .whereNull('revoked_at')
      .update({ revoked_at: at, revoked_by: by });
    return n > 0;
  }

  /** Sets last_used_at unless it was set after `notAfter` (so a busy key writes once a minute). */
  async touch(id: string, at: Date, notAfter: Date): Promise<void> {
    await this.db('sandbox_api_keys')
      .where({ id })
      .andWhere(q => q.whereNull('last_used_at').orWhere('last_used_at', '<', notAfter))
      .update({ last_used_at: at });
  }

  private mapToRecord(row: ApiKeyRow): ApiKeyRecord {
    return {
      id: row.id,
      workspace: row.workspace,
      name: row.name,
      prefix: row.prefix,
      createdBy: row.created_by,
      createdAt: toDate(row.created_at),
      expiresAt: toOptionalDate(row.expires_at),
      lastUsedAt: toOptionalDate(row.last_used_at),
      revokedAt: toOptionalDate(row.revoked_at),
      ...(row.revoked_by ? { revokedBy: row.revoked_by } : {}),
    };
  }
}
