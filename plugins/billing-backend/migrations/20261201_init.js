/**
 * Billing schema: plans as data, subscriptions with their plan history, the ingested copy of the
 * sandbox usage ledger (+ its cursor), invoices, credits and processed payment webhooks.
 * Times are epoch milliseconds (bigint) so SQLite and PostgreSQL compare them identically; money is
 * integer minor units.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('billing_plans', table => {
    table.comment('Plans as data: unit prices in integer minor units, allowances per monthly period');
    table.string('name', 32).primary();
    table.string('currency', 3).notNullable();
    table.bigInteger('base_fee_minor').notNullable();
    table.bigInteger('vcpu_hour_minor').notNullable();
    table.bigInteger('memory_gib_hour_minor').notNullable();
    table.bigInteger('disk_gib_month_minor').notNullable();
    table.bigInteger('included_vcpu_hours').notNullable();
    table.bigInteger('included_memory_gib_hours').notNullable();
    table.bigInteger('included_disk_gib_months').notNullable();
    table.boolean('block_at_budget').notNullable();
  });
  await knex.schema.createTable('billing_subscriptions', table => {
    table.comment('Current subscription per workspace');
    table.string('workspace', 64).primary();
    table.string('plan', 32).notNullable();
    table.string('status', 16).notNullable();
    table.bigInteger('since').notNullable();
    table.bigInteger('trial_ends_at').nullable();
  });
  await knex.schema.createTable('billing_subscription_history', table => {
    table.comment('Every plan/status change; the segments between rows are prorated by time');
    table.increments('id').primary();
    table.string('workspace', 64).notNullable();
    table.string('plan', 32).notNullable();
    table.string('status', 16).notNullable();
    table.bigInteger('effective_from').notNullable();
    table.index(['workspace', 'effective_from'], 'billing_subscription_history_ws_idx');
  });
  await knex.schema.createTable('billing_cursors', table => {
    table.comment('Ingestion cursors (highest ledger id ingested), committed with the rows they cover');
    table.string('name', 64).primary();
    table.bigInteger('value').notNullable();
  });
  await knex.schema.createTable('billing_usage', table => {
    table.comment('Ingested copy of the sandbox usage ledger; ledger_id / ledger_key make ingestion idempotent');
    table.bigInteger('ledger_id').primary();
    table.string('ledger_key', 160).notNullable().unique('billing_usage_key_uq');
    table.string('period', 7).notNullable();
    table.string('workspace', 64).notNullable();
    table.string('owner', 255).notNullable();
    table.string('template', 100).notNullable();
    table.string('cost_center', 100).nullable();
    table.string('sandbox_id', 64).notNullable();
    table.string('sandbox_name', 64).notNullable();
    table.string('kind', 16).notNullable();
    table.bigInteger('started_at').notNullable();
    table.bigInteger('ended_at').notNullable();
    table.bigInteger('vcpu_mms').notNullable().comment('milli-vCPU x ms (compute only)');
    table.bigInteger('memory_mib_ms').notNullable().comment('MiB x ms (compute only)');
    table.bigInteger('disk_gib_ms').notNullable().comment('GiB x ms (compute and storage)');
    table.integer('gpus').notNullable();
    table.index(['period', 'workspace', 'started_at'], 'billing_usage_period_ws_idx');
  });
  await knex.schema.createTable('billing_usage_totals', table => {
    table.comment('Per period and workspace sums of billing_usage, maintained in the ingest transaction');
    table.string('period', 7).notNullable();
    table.string('workspace', 64).notNullable();
    table.bigInteger('vcpu_mms').notNullable();
    table.bigInteger('memory_mib_ms').notNullable();
    table.bigInteger('disk_gib_ms').notNullable();
    table.bigInteger('records').notNullable();
    table.primary(['period', 'workspace']);
  });
  await knex.schema.createTable('billing_invoices', table => {
    table.comment('One invoice per workspace and monthly period: draft -> finalized -> paid / void');
    table.string('id', 100).primary();
    table.string('workspace', 64).notNullable();
    table.string('period', 7).notNullable();
    table.string('status', 16).notNullable();
    table.string('currency', 3).notNullable();
    table.string('number', 100).nullable();
    table.text('lines').notNullable();
    table.bigInteger('subtotal_minor').notNullable();
    table.bigInteger('credit_minor').notNullable();
    table.bigInteger('total_minor').notNullable();
    table.bigInteger('finalized_at').nullable();
    table.bigInteger('paid_at').nullable();
    table.string('provider_ref', 255).nullable();
    table.unique(['workspace', 'period'], { indexName: 'billing_invoices_ws_period_uq' });
  });
  await knex.schema.createTable('billing_credits', table => {
    table.comment('Credits granted to a workspace, consumed by finalized invoices');
    table.string('id', 64).primary();
    table.string('workspace', 64).notNullable();
    table.bigInteger('amount_minor').notNullable();
    table.string('reason', 500).notNullable();
    table.bigInteger('created_at').notNullable();
    table.index(['workspace'], 'billing_credits_ws_idx');
  });
  await knex.schema.createTable('billing_webhook_events', table => {
    table.comment('Processed payment-provider events; a replayed id changes nothing');
    table.string('event_id', 255).primary();
    table.string('type', 100).notNullable();
    table.bigInteger('received_at').notNullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  for (const t of [
    'billing_webhook_events',
    'billing_credits',
    'billing_invoices',
    'billing_usage_totals',
    'billing_usage',
    'billing_cursors',
    'billing_subscription_history',
    'billing_subscriptions',
    'billing_plans',
  ]) {
    await knex.schema.dropTable(t);
  }
};
