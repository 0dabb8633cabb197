/**
 * Workspace API keys (stored as a SHA-256 hash of the secret; the secret is shown once), the
 * OpenHands runtime API's session <-> runtime mapping (each runtime is an ordinary sandbox), and
 * `sandboxes.process`: a main process set by a service (the OpenHands agent server), so a
 * re-created sandbox runs it again.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('sandboxes', table => {
    table.text('process').nullable().comment('JSON: the main process when not the image default (set by services)');
  });
  await knex.schema.createTable('sandbox_api_keys', table => {
    table.comment('Workspace-scoped API keys; the key itself is never stored, only its SHA-256');
    table.string('id', 32).primary().notNullable();
    table.string('workspace', 64).notNullable();
    table.string('name', 100).notNullable();
    table.string('prefix', 16).notNullable().comment('first characters of the key, shown to tell keys apart');
    table.string('secret_hash', 64).notNullable().comment('hex SHA-256 of the whole key');
    table.string('created_by', 255).notNullable();
    table.dateTime('created_at', { precision: 3 }).notNullable();
    table.dateTime('expires_at', { precision: 3 }).nullable();
    table.dateTime('last_used_at', { precision: 3 }).nullable();
    table.dateTime('revoked_at', { precision: 3 }).nullable();
    table.string('revoked_by', 255).nullable();
    table.unique(['secret_hash'], { indexName: 'sandbox_api_keys_hash_idx' });
    table.index(['workspace'], 'sandbox_api_keys_workspace_idx');
  });
  await knex.schema.createTable('openhands_runtimes', table => {
    table.comment('OpenHands runtime API: one row per runtime (a sandbox) started for a session');
    table.string('runtime_id', 64).primary().notNullable();
    table.string('session_id', 255).notNullable();
    table.string('workspace', 64).notNullable();
    table.string('sandbox_id', 64).notNullable();
    table.string('api_key_id', 32).notNullable().comment('the key that started it');
    table.string('image', 255).notNullable();
    table.text('session_api_key').notNullable().comment('handed to the client on every read, like the runtime API does');
    table.dateTime('created_at', { precision: 3 }).notNullable();
    table.dateTime('stopped_at', { precision: 3 }).nullable();
    table
      .string('live_session', 330)
      .nullable()
      .comment('workspace/session_id while not stopped: at most one live runtime per session');
    table.unique(['live_session'], { indexName: 'openhands_runtimes_live_session_idx' });
    table.index(['workspace', 'session_id'], 'openhands_runtimes_session_idx');
    table.index(['sandbox_id'], 'openhands_runtimes_sandbox_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('openhands_runtimes');
  await knex.schema.dropTable('sandbox_api_keys');
  await knex.schema.alterTable('sandboxes', table => {
    table.dropColumn('process');
  });
};
