import { API_KEY_PREFIX, createApiKeyRequestSchema } from './apikeys';

describe('createApiKeyRequestSchema', () => {
  it('takes a name and an optional ISO expiry, and nothing else', () => {
    expect(createApiKeyRequestSchema.parse({ name: ' openhands ' })).toEqual({ name: 'openhands' });
    expect(createApiKeyRequestSchema.parse({ name: 'k', expiresAt: '2027-01-01T00:00:00+01:00' })).toEqual({
      name: 'k',
      expiresAt: '2027-01-01T00:00:00+01:00',
    });
    expect(createApiKeyRequestSchema.safeParse({ name: '' }).success).toBe(false);
    expect(createApiKeyRequestSchema.safeParse({ name: 'k', expiresAt: 'tomorrow' }).success).toBe(false);
    expect(createApiKeyRequestSchema.safeParse({ name: 'k', workspace: 'x' }).success).toBe(false);
    expect(API_KEY_PREFIX).toBe('psk_');
  });
});
