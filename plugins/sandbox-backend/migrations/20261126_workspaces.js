/**
 * Workspaces (tenants) with members, quota overrides and the audit log; per-sandbox resource
 * columns so quota sums run in SQL inside the create transaction.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('workspaces', table => {
    table.comment('Workspaces (teams/tenants); sandboxes belong to one');
    table.string('name', 64).primary().notNullable();
    table.string('title', 255).notNullable();
    table.text('description').nullable();
    table.string('plan', 32).notNullable().defaultTo('free');
    table.string('backing_group', 255).nullable().comment('group entity ref whose members belong');
    table.dateTime('archived_at', { precision: 3 }).nullable();
    table.dateTime('created_at', { precision: 3 }).notNullable();
    table.string('created_by', 255).notNullable();
  });
  await knex.schema.createTable('workspace_members', table => {
    table.comment('Members of a workspace: users or catalog groups, with a role');
    table.string('workspace', 64).notNullable().references('name').inTable('workspaces').onDelete('CASCADE');
    table.string('member_ref', 255).notNullable().comment('user or group entity ref, lowercase');
    table.string('role', 16).notNullable();
    table.dateTime('added_at', { precision: 3 }).notNullable();
    table.string('added_by', 255).notNullable();
    table.primary(['workspace', 'member_ref']);
    table.index(['member_ref'], 'workspace_members_member_idx');
  });
  await knex.schema.createTable('workspace_quota_overrides', table => {
    table.comment('Admin overrides of the plan quota, one JSON object per workspace');
    table.string('workspace', 64).primary().references('name').inTable('workspaces').onDelete('CASCADE');
    table.text('overrides').notNullable();
    table.dateTime('updated_at', { precision: 3 }).notNullable();
    table.string('updated_by', 255).notNullable();
  });
  await knex.schema.createTable('audit_events', table => {
    table.comment('Append-only audit log of every mutation, with its outcome');
    table.bigIncrements('id').primary();
    table.dateTime('at', { precision: 3 }).notNullable();
    table.string('actor', 255).notNullable();
    table.string('action', 64).notNullable();
    table.string('target_type', 32).notNullable();
    table.string('target_id', 255).notNullable();
    table.string('workspace', 64).nullable();
    table.string('outcome', 16).notNullable();
    table.string('request_id', 128).nullable();
    table.text('message').nullable();
    table.index(['workspace', 'id'], 'audit_events_workspace_idx');
    table.index(['actor', 'id'], 'audit_events_actor_idx');
    table.index(['target_id'], 'audit_events_target_idx');
  });
  await knex.schema.alterTable('sandboxes', table => {
    table.float('cpus').notNullable().defaultTo(0);
    table.integer('memory_mib').notNullable().defaultTo(0);
    table.integer('disk_gib').notNullable().defaultTo(0);
  });
  // existing rows: resource columns from their size JSON, and a workspace row for every workspace used
  const rows = await knex('sandboxes').select('id', 'size', 'workspace', 'created_at');
  for (const row of rows) {
    const size = JSON.parse(row.size);
    await knex('sandboxes')
      .where({ id: row.id })
      .update({ cpus: size.cpus ?? 0, memory_mib: size.memoryMiB ?? 0, disk_gib: size.diskGiB ?? 0 });
  }
  const names = [...new Set(rows.map(r => r.workspace))];
  for (const name of names) {
    await knex('workspaces').insert({
      name,
      title: name,
      plan: 'free',
      created_at: new Date(),
      created_by: 'migration:20261126_workspaces',
    });
  }
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('sandboxes', table => {
    table.dropColumn('cpus');
    table.dropColumn('memory_mib');
    table.dropColumn('disk_gib');
  });
  await knex.schema.dropTable('audit_events');
  await knex.schema.dropTable('workspace_quota_overrides');
  await knex.schema.dropTable('workspace_members');
  await knex.schema.dropTable('workspaces');
};
