/** What the API shows instead of the value of a secret-looking environment variable. */
export const REDACTED = '<redacted>';

/**
 * Names that hold secrets by convention: a KEY, KEYS, TOKEN, SECRET, PASSWORD, PASSWD or
 * CREDENTIAL(S) word, e.g. `SESSION_API_KEY`, `OH_SESSION_API_KEYS_0`, `GITHUB_TOKEN`,
 * `AWS_SECRET_ACCESS_KEY`, `PGPASSWORD` (a trailing PASSWORD counts without an underscore).
 */
const SECRET_NAME = /(^|_)(KEYS?|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)(_|$)|PASSWORD$/i;

/** True when the variable's value must not be shown (API answers, pages, MCP output). */
export function isSecretEnvName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * The environment as the API shows it: secret-looking values replaced by `<redacted>`. The sandbox
 * itself gets the real values; workspace members who may exec in it can still read them there.
 */
export function redactEnv(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, isSecretEnvName(k) ? REDACTED : v]));
}
