/**
 * Backups of sandbox /workspace volumes (records; the bytes live in the backup store) and
 * per-workspace backup schedules.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('sandbox_backups', table => {
    table.comment('Backups of sandbox workspaces; complete only once the manifest is written and verified');
    table.string('id', 64).primary().notNullable();
    table.string('sandbox_id', 64).notNullable();
    table.string('sandbox_name', 255).notNullable();
    table.string('workspace', 64).notNullable();
    table.string('state', 16).notNullable().comment('in_progress | complete | failed');
    table.string('trigger', 16).notNullable().comment('manual | schedule');
    table.bigInteger('size_bytes').nullable();
    table.string('sha256', 64).nullable();
    table.dateTime('created_at', { precision: 3 }).notNullable();
    table.string('created_by', 255).notNullable();
    table.dateTime('completed_at', { precision: 3 }).nullable();
    table.integer('duration_ms').nullable();
    table.text('error').nullable();
    table.index(['sandbox_id', 'created_at'], 'sandbox_backups_sandbox_idx');
    table.index(['workspace'], 'sandbox_backups_workspace_idx');
  });
  await knex.schema.createTable('sandbox_backup_schedules', table => {
    table.comment('Scheduled backups per workspace: cron or interval, and retention');
    table.string('workspace', 64).primary().notNullable();
    table.string('cron', 100).nullable();
    table.integer('interval_hours').nullable();
    table.integer('retention_count').notNullable();
    table.integer('retention_days').nullable();
    table.dateTime('last_run_at', { precision: 3 }).nullable();
    table.dateTime('updated_at', { precision: 3 }).notNullable();
    table.string('updated_by', 255).notNullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('sandbox_backup_schedules');
  await knex.schema.dropTable('sandbox_backups');
};
