import type { Knex } from 'knex';

/** One counter per client and account for handover.exchangesPerMinute, shared by instances. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('exchange_rate_limits', (table) => {
    table.text('client_id').notNullable();
    table.text('account_id').notNullable();
    table.timestamp('window_start', { useTz: true }).notNullable();
    table.integer('count').notNullable();
    table.primary(['client_id', 'account_id']);
  });
}

/** Drops what `up` created. */
export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('exchange_rate_limits');
}
