import {
  findPostgresBinaries,
  type PostgresOptions,
  type PostgresServer,
  startPostgres,
} from './postgres.ts';

const MISSING =
  'adversarial suite skipped: it needs the PostgreSQL server binaries (initdb, pg_ctl, ' +
  'postgres) on PATH or under /usr/lib/postgresql/<version>/bin';

const servers: PostgresServer[] = [];
let shared: Promise<PostgresServer> | undefined;
let warned = false;

process.once('exit', () => {
  for (const server of servers) {
    server.remove();
  }
});

/** Every server started by this test run, still running until the process exits. */
export function everyPostgres(): readonly PostgresServer[] {
  return servers;
}

/** A new throwaway PostgreSQL server, removed when the test process exits. */
export async function ownPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const bin = findPostgresBinaries();
  if (!bin) {
    throw new Error(MISSING);
  }
  const server = await startPostgres(bin, options);
  servers.push(server);
  return server;
}

/** The PostgreSQL server the adversarial files share (each on its own databases). */
export function sharedPostgres(): Promise<PostgresServer> {
  shared ??= ownPostgres();
  return shared;
}

const SKIPPED = 'adversarial suite skipped: SKIP_ADVERSARIAL is set';

function skipReason(): string | undefined {
  if (process.env.SKIP_ADVERSARIAL) {
    return SKIPPED;
  }
  return findPostgresBinaries() ? undefined : MISSING;
}

/**
 * Skips the calling suite, saying why once, when no PostgreSQL binaries are installed or
 * SKIP_ADVERSARIAL is set (the suite starts its own server, so a second pass of `npm test`
 * against another database would only repeat it).
 */
export function skipWithoutPostgres(context: Mocha.Context): void {
  const reason = skipReason();
  if (!reason) {
    return;
  }
  if (!warned) {
    warned = true;
    process.stderr.write(`${reason}\n`);
  }
  context.skip();
}
