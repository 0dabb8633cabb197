import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';

const PG_ENV = 'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING';

/**
 * The databases every billing DB test runs on: SQLite always, and PostgreSQL, which is required.
 * Without one the suite fails with the command that starts it; `PORTAL_TEST_SQLITE_ONLY=1` opts out
 * explicitly (with a warning). Same semantics as the sandbox backend's helper.
 */
export function createTestDatabases(): TestDatabases {
  const ids: TestDatabaseId[] = ['SQLITE_3'];
  if (process.env[PG_ENV]) {
    ids.push('POSTGRES_15');
  } else if (process.env.PORTAL_TEST_SQLITE_ONLY === '1') {
    // eslint-disable-next-line no-console
    console.warn(`PORTAL_TEST_SQLITE_ONLY=1: PostgreSQL tests are NOT run (${PG_ENV} unset)`);
  } else {
    throw new Error(
      `PostgreSQL is required for the database tests: ${PG_ENV} is not set. Start one with ` +
        '`source scripts/env.sh && source scripts/services/postgres.sh && postgres_start`, ' +
        'or set PORTAL_TEST_SQLITE_ONLY=1 to run on SQLite only.',
    );
  }
  return TestDatabases.create({ ids, disableDocker: true });
}
