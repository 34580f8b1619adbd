import type { Knex } from 'knex';

/** Storage for every oidc-provider model, keys, accounts and login throttling. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('oidc_models', (table) => {
    table.text('model').notNullable();
    // SHA-256 of the model id: a dump of this table yields no usable token, code or session id.
    table.binary('id_hash').notNullable();
    table.jsonb('payload').notNullable();
    table.text('grant_id');
    table.text('uid');
    table.timestamp('expires_at', { useTz: true });
    table.timestamp('consumed_at', { useTz: true });
    table.primary(['model', 'id_hash']);
  });
  // One live row per session; rows of ended sessions stay as tombstones until they expire.
  await knex.raw(
    'create unique index oidc_models_session_uid on oidc_models (uid) ' +
      "where model = 'Session' and consumed_at is null",
  );
  await knex.raw(
    'create index oidc_models_grant on oidc_models (model, grant_id) where grant_id is not null',
  );
  await knex.raw(
    'create index oidc_models_expiry on oidc_models (expires_at) where expires_at is not null',
  );

  await knex.schema.createTable('keys', (table) => {
    table.increments('id');
    table.text('kind').notNullable();
    table.jsonb('material').notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.index(['kind', 'id']);
  });

  await knex.schema.createTable('accounts', (table) => {
    table.text('id').primary();
    table.text('username').notNullable().unique();
    table.text('password_hash').notNullable();
    table.jsonb('claims').notNullable().defaultTo('{}');
    table.boolean('disabled').notNullable().defaultTo(false);
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('login_failures', (table) => {
    // Hash of username and IP: the table holds neither in clear.
    table.text('key_hash').primary();
    table.integer('failures').notNullable();
    table.timestamp('last_failure_at', { useTz: true }).notNullable();
  });
}

/** Drops what `up` created. */
export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('login_failures');
  await knex.schema.dropTable('accounts');
  await knex.schema.dropTable('keys');
  await knex.schema.dropTable('oidc_models');
}
