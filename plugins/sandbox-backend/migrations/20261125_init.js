/**
 * Sandboxes and their state history.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('sandboxes', table => {
    table.comment('One row per sandbox; rows are kept (state deleted) for history and metering');
    table.string('id', 64).primary().notNullable();
    table.string('name', 64).notNullable();
    table.string('workspace', 64).notNullable();
    table.string('owner', 255).notNullable().comment('user entity ref');
    table.string('owner_group', 255).nullable().comment('group entity ref owning the catalog Resource');
    table.string('template', 100).notNullable();
    table.string('image', 255).notNullable();
    table.string('size_name', 32).notNullable();
    table.text('size', 'longtext').notNullable().comment('JSON SandboxSize');
    table.text('env', 'longtext').notNullable().comment('JSON object');
    table.string('repo_url', 1024).nullable();
    table.string('repo_ref', 255).nullable();
    table.boolean('network').notNullable().defaultTo(false);
    table.integer('ttl_seconds').nullable();
    table.integer('idle_timeout_seconds').nullable();
    table.text('labels', 'longtext').notNullable().comment('JSON object');
    table.string('state', 32).notNullable();
    table.text('reason').nullable();
    table.string('driver', 32).notNullable();
    table.string('external_id', 255).nullable();
    table.string('live_name', 64).nullable()
      .comment('name while not deleted; NULL once deleted, so names can be reused');
    table.dateTime('created_at', { precision: 3 }).notNullable();
    table.dateTime('updated_at', { precision: 3 }).notNullable();
    table.dateTime('started_at', { precision: 3 }).nullable();
    table.dateTime('last_activity_at', { precision: 3 }).nullable();
    table.dateTime('expires_at', { precision: 3 }).nullable();
    table.unique(['workspace', 'live_name'], { indexName: 'sandboxes_workspace_live_name_uniq' });
    table.index(['workspace', 'state'], 'sandboxes_workspace_state_idx');
    table.index(['owner'], 'sandboxes_owner_idx');
    table.index(['created_at', 'id'], 'sandboxes_created_idx');
  });
  await knex.schema.createTable('sandbox_transitions', table => {
    table.comment('Every state change of every sandbox, timestamped');
    table.bigIncrements('seq').primary();
    table.string('sandbox_id', 64).notNullable()
      .references('id').inTable('sandboxes').onDelete('CASCADE');
    table.string('from_state', 32).nullable();
    table.string('to_state', 32).notNullable();
    table.text('reason').nullable();
    table.dateTime('at', { precision: 3 }).notNullable();
    table.index(['sandbox_id', 'seq'], 'sandbox_transitions_sandbox_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('sandbox_transitions');
  await knex.schema.dropTable('sandboxes');
};
