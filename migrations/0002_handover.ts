import type { Knex } from 'knex';

/** The login_hint_token table and the audit trail of the handover. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('login_hint_tokens', (table) => {
    // Only the SHA-256 of the token is kept; the raw value exists only in the caller's hands.
    table.binary('id_hash').primary();
    table.text('account_id').notNullable();
    table.text('source_client_id').notNullable();
    table.text('target_client_id').notNullable();
    table.text('source_grant_id').notNullable();
    table.bigInteger('auth_time').notNullable();
    table.jsonb('amr');
    table.text('acr');
    table.text('caller_ip').notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('expires_at', { useTz: true }).notNullable();
    table.timestamp('consumed_at', { useTz: true });
    // The browser session the redemption created (or reused, when session_created is false).
    table.text('session_uid');
    table.boolean('session_created').notNullable().defaultTo(false);
    table.index(['source_grant_id']);
    table.index(['expires_at']);
  });
  await knex.raw(
    'create index login_hint_tokens_session on login_hint_tokens (session_uid) ' +
      'where session_uid is not null',
  );

  await knex.schema.createTable('audit_events', (table) => {
    table.bigIncrements('id');
    table.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.text('event').notNullable();
    table.text('reason').notNullable();
    table.text('client_id');
    table.text('target_client_id');
    table.text('account_id');
    table.text('grant_id');
    table.text('ip');
    table.index(['at']);
  });
}

/** Drops what `up` created. */
export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_events');
  await knex.schema.dropTable('login_hint_tokens');
}
