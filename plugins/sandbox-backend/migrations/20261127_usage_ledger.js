/**
 * The usage ledger: append-only records of sandbox resource use, closed intervals only, split at
 * UTC month boundaries; `usage_open` holds the one interval each sandbox has open.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('usage_open', table => {
    table.comment('The currently open usage interval of each sandbox (running or stopped)');
    table.string('sandbox_id', 64).primary().references('id').inTable('sandboxes').onDelete('CASCADE');
    table.string('kind', 16).notNullable().comment('compute (running) or storage (stopped)');
    table.dateTime('started_at', { precision: 3 }).notNullable();
    table.bigInteger('transition_seq').notNullable().comment('seq of the transition that opened it');
  });
  await knex.schema.createTable('usage_records', table => {
    table.comment('Append-only ledger of closed usage intervals; billing reads it by id cursor');
    table.bigIncrements('id').primary();
    table.string('key', 160).notNullable().unique().comment('idempotency key: sandbox:transition:part');
    table.string('sandbox_id', 64).notNullable();
    table.string('sandbox_name', 64).notNullable();
    table.string('workspace', 64).notNullable();
    table.string('owner', 255).notNullable();
    table.string('template', 100).notNullable();
    table.string('cost_center', 100).nullable();
    table.string('kind', 16).notNullable();
    table.float('vcpus').notNullable();
    table.integer('memory_mib').notNullable();
    table.integer('disk_gib').notNullable();
    table.integer('gpus').notNullable().defaultTo(0);
    table.dateTime('started_at', { precision: 3 }).notNullable();
    table.dateTime('ended_at', { precision: 3 }).notNullable();
    table.bigInteger('duration_ms').notNullable();
    table.dateTime('recorded_at', { precision: 3 }).notNullable();
    table.index(['workspace', 'started_at'], 'usage_records_workspace_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('usage_records');
  await knex.schema.dropTable('usage_open');
};
