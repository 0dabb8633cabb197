import { AuthenticationError, ConflictError, InputError, NotFoundError } from '@backstage/errors';
import { API_KEY_PREFIX, ApiKey, CreatedApiKey, createApiKeyRequestSchema } from '@internal/plugin-sandbox-common';
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { Clock } from '../service/types';
import { ApiKeyRecord, DatabaseApiKeyStore, toApiKey } from './DatabaseApiKeyStore';

/** last_used_at is written at most this often per key. */
export const LAST_USED_RESOLUTION_MS = 60_000;
const PREFIX_LENGTH = API_KEY_PREFIX.length + 8;
const KEY_SHAPE = new RegExp(`^${API_KEY_PREFIX}[A-Za-z0-9_-]{43}$`);

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A key that authenticated a request: who it acts for, in which workspace. */
export interface VerifiedApiKey {
  id: string;
  workspace: string;
  prefix: string;
  /** The user who created it: sandboxes started with it are owned by this user. */
  createdBy: string;
}

/**
 * Workspace API keys: `psk_` + 32 random bytes (base64url), shown once; the database holds its
 * SHA-256 only, which is enough for a key with 256 bits of entropy (no slow hash needed).
 */
export class ApiKeyService {
  /** In-process memo of the last last_used_at write per key, to skip most database writes. */
  private readonly lastTouched = new Map<string, number>();

  constructor(private readonly deps: { store: DatabaseApiKeyStore; clock: Clock }) {}

  async create(
    workspace: string,
    request: z.output<typeof createApiKeyRequestSchema>,
    createdBy: string,
  ): Promise<CreatedApiKey> {
    const now = this.deps.clock.now();
    const expiresAt = request.expiresAt ? new Date(request.expiresAt) : undefined;
    if (expiresAt && expiresAt.getTime() <= now.getTime()) {
      throw new InputError('expiresAt: must be in the future');
    }
    const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const record: ApiKeyRecord = {
      id: randomBytes(8).toString('hex'),
      workspace,
      name: request.name,
      prefix: key.slice(0, PREFIX_LENGTH),
      createdBy,
      createdAt: now,
      ...(expiresAt ? { expiresAt } : {}),
    };
    await this.deps.store.insert(record, hashApiKey(key));
    return { key, item: toApiKey(record) };
  }

  async list(workspace: string): Promise<ApiKey[]> {
    return (await this.deps.store.list(workspace)).map(toApiKey);
  }

  async get(workspace: string, id: string): Promise<ApiKey> {
    const record = await this.deps.store.get(workspace, id);
    if (!record) throw new NotFoundError(`No API key '${id}' in workspace '${workspace}'`);
    return toApiKey(record);
  }

  async revoke(workspace: string, id: string, by: string): Promise<ApiKey> {
    const record = await this.deps.store.get(workspace, id);
    if (!record) throw new NotFoundError(`No API key '${id}' in workspace '${workspace}'`);
    if (!(await this.deps.store.revoke(workspace, id, by, this.deps.clock.now()))) {
      throw new ConflictError(`API key '${record.name}' (${record.prefix}…) is already revoked`);
    }
    this.lastTouched.delete(id);
    return this.get(workspace, id);
  }

  /**
   * The key behind a request header; AuthenticationError (401) when it is missing, unknown,
   * revoked or expired. Records the use (at most once a minute per key).
   */
  async verify(key: string | undefined): Promise<VerifiedApiKey> {
    if (!key) throw new AuthenticationError('Missing API key (send it in the X-API-Key header)');
    if (!KEY_SHAPE.test(key)) throw new AuthenticationError('Invalid API key');
    const record = await this.deps.store.findByHash(hashApiKey(key));
    if (!record) throw new AuthenticationError('Invalid API key');
    const now = this.deps.clock.now();
    if (record.revokedAt) throw new AuthenticationError(`API key ${record.prefix}… was revoked`);
    if (record.expiresAt && record.expiresAt.getTime() <= now.getTime()) {
      throw new AuthenticationError(`API key ${record.prefix}… expired at ${record.expiresAt.toISOString()}`);
    }
    await this.touch(record, now);
    return { id: record.id, workspace: record.workspace, prefix: record.prefix, createdBy: record.createdBy };
  }

  private async touch(record: ApiKeyRecord, now: Date) {
    const last = Math.max(this.lastTouched.get(record.id) ?? 0, record.lastUsedAt?.getTime() ?? 0);
    if (now.getTime() - last < LAST_USED_RESOLUTION_MS) return;
    this.lastTouched.set(record.id, now.getTime());
    await this.deps.store.touch(record.id, now, new Date(now.getTime() - LAST_USED_RESOLUTION_MS));
  }
}
