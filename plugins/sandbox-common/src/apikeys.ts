import { z } from 'zod';

/** Every workspace API key starts with this, so leaked keys are easy to recognise (and scan for). */
export const API_KEY_PREFIX = 'psk_';

/** A workspace API key as the API returns it; the secret itself is shown once, at creation. */
export interface ApiKey {
  id: string;
  workspace: string;
  name: string;
  /** The first characters of the key (`psk_` + 8), to tell keys apart. */
  prefix: string;
  createdBy: string;
  createdAt: string;
  expiresAt?: string;
  /** Updated at most once a minute. */
  lastUsedAt?: string;
  revokedAt?: string;
  revokedBy?: string;
}

/** The answer to creating a key: the key itself (never shown again) and its record. */
export interface CreatedApiKey {
  key: string;
  item: ApiKey;
}

export const createApiKeyRequestSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    /** ISO 8601 time; absent = never expires. */
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
export type CreateApiKeyRequest = z.input<typeof createApiKeyRequestSchema>;
