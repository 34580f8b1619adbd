import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type Provider from 'oidc-provider';
import { createHandover } from '../grants/handover.ts';
import { seedAccounts } from './accounts.ts';
import { buildProvider } from './build_provider.ts';
import { checkClients } from './client_check.ts';
import type { Config } from './config.ts';
import { databaseOutage, noteServerError } from './http/database_outage.ts';
import { errorBoundary } from './http/error_boundary.ts';
import { createHealthRouter } from './http/health.ts';
import { requestLog } from './http/request_log.ts';
import { securityHeaders } from './http/security_headers.ts';
import { createInteractionRouter } from './interactions/router.ts';
import { loadKeys } from './keys.ts';
import { describeError, log } from './logging.ts';
import { createMetricsRouter, measureHandoverLatency } from './metrics.ts';
import { scheduleCleanup } from './storage/cleanup.ts';
import { type Database, migrateDatabase, openDatabase } from './storage/database.ts';

const CLEANUP_INTERVAL_MS = 60_000;

/** A running provider: its URL, its parts, and how to stop it. */
export interface RunningServer {
  url: string;
  provider: Provider;
  database: Database;
  close(): Promise<void>;
}

function logProviderErrors(provider: Provider): void {
  // Koa would print the stack to stderr; one line with the class and message is enough here.
  provider.on('server_error', (ctx: object, error: unknown) => {
    noteServerError(ctx, error);
    log('error', 'server_error', { error: describeError(error) });
  });
  provider.silent = true;
}

/** Prepares the database, builds the provider and mounts our routes in front of it. */
export async function createApp(
  config: Config,
): Promise<{ provider: Provider; database: Database }> {
  const database = openDatabase(config);
  await migrateDatabase(database);
  await seedAccounts(database.knex, config.accounts);
  const keys = await loadKeys(database.knex);
  const handover = createHandover({ config, knex: database.knex });
  const provider = buildProvider({
    config,
    keys,
    knex: database.knex,
    extension: handover.extension,
  });

  provider.use(requestLog);
  provider.use(securityHeaders);
  provider.use(databaseOutage);
  provider.use(errorBoundary);
  provider.use(measureHandoverLatency);
  // Inside the error boundary: a failure in the handover's own middleware (a database outage
  // after the response was built) is logged, mapped and sent with the security headers.
  handover.install(provider);
  await checkClients(provider, config.clients);
  provider.use(createHealthRouter(database).routes());
  provider.use(createMetricsRouter(database, config.metricsToken).routes());
  const interactionDeps = { provider, knex: database.knex, extension: handover.interactions };
  provider.use(createInteractionRouter(interactionDeps).routes());
  logProviderErrors(provider);
  return { provider, database };
}

function listen(provider: Provider, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = provider.listen(port);
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Keep-alive connections would hold close() open; idle ones are dropped now.
    server.closeIdleConnections();
  });
}

/** Starts the provider on the configured port (0 picks a free one). */
export async function startServer(config: Config): Promise<RunningServer> {
  const { provider, database } = await createApp(config);
  const server = await listen(provider, config.port);
  const stopCleanup = scheduleCleanup(database.knex, CLEANUP_INTERVAL_MS);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    provider,
    database,
    close: async () => {
      stopCleanup();
      await closeServer(server);
      await database.knex.destroy();
    },
  };
}
