import { isSecretEnvName, redactEnv } from './redactEnv';

describe('redactEnv', () => {
  it.each([
    'SESSION_API_KEY',
    'OH_SESSION_API_KEYS_0',
    'GITHUB_TOKEN',
    'AWS_SECRET_ACCESS_KEY',
    'PGPASSWORD',
    'DB_PASSWD',
    'GOOGLE_APPLICATION_CREDENTIALS',
    'token',
  ])('treats %s as a secret', name => {
    expect(isSecretEnvName(name)).toBe(true);
  });

  it.each(['PATH', 'KEYBOARD_LAYOUT', 'MONKEY', 'TOKENIZERS_PARALLELISM', 'NODE_ENV', 'HOME'])('shows %s', name => {
    expect(isSecretEnvName(name)).toBe(false);
  });

  it('replaces only the secret values and leaves the input alone', () => {
    const env = { SESSION_API_KEY: 's3cr3t', NODE_ENV: 'production' };
    expect(redactEnv(env)).toEqual({ SESSION_API_KEY: '<redacted>', NODE_ENV: 'production' });
    expect(env.SESSION_API_KEY).toBe('s3cr3t');
  });
});
