/**
 * Warm pools: pre-created, started sandboxes per template, handed out on create. Docker labels
 * cannot change after creation, so which pool container is free and which sandbox claimed it lives
 * here. A member is `creating` (row written before the runtime is asked, so a crash leaves a row
 * the refill finds), `ready` (free), or `claimed` (kept a while for the refill rate and audits).
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('sandbox_warm_pool', table => {
    table.comment('Warm pool members: started sandboxes waiting to be claimed by a create');
    table.string('id', 64).primary().notNullable().comment('member id; the runtime labels carry it as portal.sandbox/id');
    table.string('template', 100).notNullable();
    table.string('spec_key', 64).notNullable().comment('hash of image, size, network and env the member was made with');
    table.string('state', 16).notNullable().comment('creating | ready | claimed');
    table.string('external_id', 255).nullable();
    table.string('sandbox_id', 64).nullable().comment('the sandbox that claimed it');
    table.dateTime('created_at', { precision: 3 }).notNullable();
    table.dateTime('ready_at', { precision: 3 }).nullable();
    table.dateTime('claimed_at', { precision: 3 }).nullable();
    table.index(['template', 'state'], 'sandbox_warm_pool_template_state_idx');
    table.index(['external_id'], 'sandbox_warm_pool_external_id_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('sandbox_warm_pool');
};
