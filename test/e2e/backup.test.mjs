// Portal database backup and restore, as documented in docs/operators/backups.md: a SQLite file
// with data is backed up online with scripts/backup-db.sh and restored to a new path; a PostgreSQL
// database is dumped (pg_dump -Fc) and restored into a new database. Rows are queried back.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SCRIPT = join(repoRoot, 'scripts/backup-db.sh');
const PG = process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;
const dir = mkdtempSync(join(tmpdir(), 'e2e-backup-db-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const dbUri = (uri, db) => {
  const u = new URL(uri);
  u.pathname = `/${db}`;
  return u.toString();
};

describe('portal database backup (scripts/backup-db.sh)', () => {
  it('backs up a SQLite file online (while a writer holds it open) and restores it to a new path', async () => {
    const live = join(dir, 'backstage_plugin_sandbox.sqlite');
    run('sqlite3', [live, "PRAGMA journal_mode=WAL; CREATE TABLE sandboxes(id TEXT PRIMARY KEY, name TEXT); INSERT INTO sandboxes VALUES ('s1', 'box');"]);
    // a second process keeps a transaction open on the live file during the backup
    const writer = spawn('sqlite3', [live], { stdio: ['pipe', 'ignore', 'ignore'] });
    writer.stdin.write("BEGIN; INSERT INTO sandboxes VALUES ('s2', 'uncommitted');\n");
    await new Promise(r => setTimeout(r, 200));
    try {
      const out = run(SCRIPT, ['sqlite', dir, join(dir, 'out')]);
      assert.equal(out.split('\n').pop(), join(dir, 'out'));
    } finally {
      writer.stdin.end('ROLLBACK;\n');
    }
    const sums = readFileSync(join(dir, 'out/SHA256SUMS'), 'utf8');
    assert.match(sums, /^[0-9a-f]{64} {2}backstage_plugin_sandbox\.sqlite$/m);
    execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: join(dir, 'out') });
    // the documented restore: into a new file, then checked and queried
    const restored = join(dir, 'restored/backstage_plugin_sandbox.sqlite');
    run('mkdir', ['-p', join(dir, 'restored')]);
    run('sqlite3', [restored, `.restore '${join(dir, 'out/backstage_plugin_sandbox.sqlite')}'`]);
    assert.equal(run('sqlite3', [restored, 'PRAGMA integrity_check;']), 'ok');
    assert.equal(run('sqlite3', [restored, 'SELECT id, name FROM sandboxes ORDER BY id;']), 's1|box');
  });

  it('fails loudly on a missing source', () => {
    assert.throws(() => run(SCRIPT, ['sqlite', join(dir, 'nope.sqlite'), join(dir, 'x')]), /does not exist/);
  });

  it('dumps PostgreSQL plugin databases with pg_dump -Fc and restores one into a new database', () => {
    assert.ok(PG, 'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is not set: source scripts/services/postgres.sh && postgres_start');
    const suffix = `${process.pid}_${Date.now().toString(36)}`;
    const source = `e2ebk_plugin_${suffix}`;
    const target = `e2ebk_restored_${suffix}`;
    run('psql', [PG, '-qc', `CREATE DATABASE ${source}`]);
    try {
      run('psql', [dbUri(PG, source), '-qc', "CREATE TABLE sandboxes(id text primary key, name text); INSERT INTO sandboxes VALUES ('s1', 'box');"]);
      run(SCRIPT, ['postgres', PG, join(dir, 'pg'), `e2ebk_plugin_${suffix}`]);
      // the documented restore: a new (empty) database, pg_restore into it
      run('psql', [PG, '-qc', `CREATE DATABASE ${target}`]);
      run('pg_restore', ['--no-owner', '--exit-on-error', '-d', dbUri(PG, target), join(dir, `pg/${source}.dump`)]);
      assert.equal(run('psql', [dbUri(PG, target), '-Atc', 'SELECT id, name FROM sandboxes']), 's1|box');
    } finally {
      run('psql', [PG, '-qc', `DROP DATABASE IF EXISTS ${source}`]);
      run('psql', [PG, '-qc', `DROP DATABASE IF EXISTS ${target}`]);
    }
  });
});
