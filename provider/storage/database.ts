import type { Knex } from 'knex';
import knexPackage from 'knex';
import ClientPgLite from 'knex-pglite';
import { migrationSource } from '../../migrations/index.ts';
import { type Config, MEMORY_DATA_DIR } from '../config.ts';
import { log } from '../logging.ts';

// knex is CommonJS without an exports map: its named export only exists on the default object.
const { knex } = knexPackage;

/** Statement and lock timeouts keep one slow query from stalling the whole pool. */
const STATEMENT_TIMEOUT_MS = 5_000;
const LOCK_TIMEOUT_MS = 2_000;
const CONNECT_TIMEOUT_MS = 3_000;
const ACQUIRE_TIMEOUT_MS = 3_000;

/** Counts SQL statements; the benchmark divides it by the number of requests. */
export const statementCounter = { count: 0 };

/** Which backend a database handle talks to. */
export type DatabaseKind = 'postgres' | 'pglite';

/** A knex handle plus what it is connected to. */
export interface Database {
  knex: Knex;
  kind: DatabaseKind;
}

/** knex's own warnings (a failed connection, a lost one) as structured lines, not console text. */
const knexLog: Knex.Config['log'] = {
  warn: (message: unknown) => log('warn', 'database', { message: String(message) }),
  error: (message: unknown) => log('error', 'database', { message: String(message) }),
  deprecate: (message: unknown) => log('warn', 'database', { message: String(message) }),
  debug: () => {},
};

function postgresConfig(url: string): Knex.Config {
  return {
    client: 'pg',
    connection: {
      connectionString: url,
      // pg passes these to the server as session settings; knex's types do not list them.
      statement_timeout: STATEMENT_TIMEOUT_MS,
      lock_timeout: LOCK_TIMEOUT_MS,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: 'oidc-handover',
    } as Knex.PgConnectionConfig,
    pool: { min: 0, max: 10 },
    acquireConnectionTimeout: ACQUIRE_TIMEOUT_MS,
    // By default knex puts the query's bindings (token hashes, payloads) into error messages.
    compileSqlOnError: false,
    log: knexLog,
  };
}

/** A PGlite instance, kept opaque: PGlite's own types need browser and Emscripten typings. */
export type EmbeddedInstance = object;

/**
 * Tests set `create` to hand each embedded database a prepared instance (copying a migrated one
 * is much faster than initdb); unset, knex-pglite opens `dataDir` itself.
 */
export const embeddedDatabase: { create?: (dataDir: string) => EmbeddedInstance | undefined } = {};

function pgliteConfig(dataDir: string, pglite: EmbeddedInstance | undefined): Knex.Config {
  const instance = pglite ?? embeddedDatabase.create?.(dataDir);
  // knex-pglite closes a given instance too when the knex handle is destroyed.
  const connection = instance
    ? { pglite: instance }
    : dataDir === MEMORY_DATA_DIR
      ? {}
      : { filename: dataDir };
  return {
    client: ClientPgLite,
    dialect: 'postgres',
    connection: connection as Knex.StaticConnectionConfig,
    compileSqlOnError: false,
  };
}

/**
 * Opens the configured database: PostgreSQL when a URL is given, embedded PGlite otherwise
 * (`pglite`, when given, is the embedded instance to use instead of a new one).
 */
export function openDatabase(
  config: Pick<Config, 'database' | 'dataDir'>,
  pglite?: EmbeddedInstance,
): Database {
  const kind: DatabaseKind = config.database ? 'postgres' : 'pglite';
  const settings = config.database
    ? postgresConfig(config.database)
    : pgliteConfig(config.dataDir, pglite);
  const handle = knex(settings);
  handle.on('query', () => {
    statementCounter.count += 1;
  });
  return { knex: handle, kind };
}

// Any constant works: it only serialises migration runs of instances sharing a database.
const MIGRATION_LOCK = 0x6d696772;
/** Another instance's migrations may take a while; waiting for them is not a stuck query. */
const MIGRATION_WAIT = '60s';

/**
 * Brings the schema up to date; safe to run from several instances at once. knex's own lock
 * lives in a table that the first run creates, so two runs on an empty database could race to
 * create it: one advisory lock around the whole run makes the others wait, then find no work.
 */
export async function migrateDatabase(database: Database): Promise<string[]> {
  return database.knex.transaction(async (trx) => {
    await trx.raw(`set local lock_timeout = '${MIGRATION_WAIT}'`);
    await trx.raw(`set local statement_timeout = '${MIGRATION_WAIT}'`);
    await trx.raw('select pg_advisory_xact_lock(?)', [MIGRATION_LOCK]);
    const [, applied] = (await trx.migrate.latest({ migrationSource })) as [number, string[]];
    return applied;
  });
}

/** Answers whether the database responds to a trivial query. */
export async function isDatabaseReachable(database: Database): Promise<boolean> {
  try {
    await database.knex.raw('select 1');
    return true;
  } catch {
    return false;
  }
}
