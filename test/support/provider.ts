import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

import pg from 'pg';

import { type Config, MEMORY_DATA_DIR, parseConfig } from '../../provider/config.ts';
import { type RunningServer, startServer } from '../../provider/server.ts';
import {
  embeddedDatabase,
  migrateDatabase,
  openDatabase,
} from '../../provider/storage/database.ts';

const demoJson = JSON.parse(
  readFileSync(new URL('../../config/demo.json', import.meta.url), 'utf8'),
);

/** The demo configuration as a plain object, to be changed by a test before it starts. */
export function demoConfigJson(): Record<string, unknown> {
  return structuredClone(demoJson);
}

/** A free TCP port on loopback (the issuer must name its port before the server starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

let databaseCounter = 0;

// Creating an empty PGlite database costs seconds of initdb; a copy of one made earlier takes a
// fraction of that, and its migrations are already applied. Each test provider still gets its
// own in-memory database.

/** The part of PGlite used here (its published types need browser and Emscripten typings). */
interface Pglite {
  waitReady: Promise<void>;
  dumpDataDir(compression: 'none'): Promise<Blob>;
}
type PgliteClass = new (options?: { loadDataDir?: Blob }) => Pglite;
const pgliteModule = '@electric-sql/pglite';
const { PGlite } = (await import(pgliteModule)) as { PGlite: PgliteClass };

let emptyPglite: Promise<Blob> | undefined;
let emptyPgliteReady: Blob | undefined;
embeddedDatabase.create = (dataDir) =>
  dataDir === MEMORY_DATA_DIR && emptyPgliteReady
    ? new PGlite({ loadDataDir: emptyPgliteReady })
    : undefined;

/** A migrated, otherwise empty embedded database, dumped once per test run. */
async function createPgliteTemplate(): Promise<Blob> {
  const pglite = new PGlite();
  await pglite.waitReady;
  const database = openDatabase({ database: undefined, dataDir: MEMORY_DATA_DIR }, pglite);
  await migrateDatabase(database);
  const dump = await pglite.dumpDataDir('none');
  await database.knex.destroy();
  return dump;
}

async function prepareEmptyPglite(): Promise<void> {
  emptyPglite ??= createPgliteTemplate();
  emptyPgliteReady = await emptyPglite;
}

/**
 * A new empty database for one test provider. With DATABASE_URL set (CI's real PostgreSQL)
 * each call creates a fresh database on that server; otherwise the embedded PGlite in memory.
 */
export async function freshDatabase(): Promise<{ database?: string; dataDir: string }> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    await prepareEmptyPglite();
    return { dataDir: MEMORY_DATA_DIR };
  }
  databaseCounter += 1;
  const name = `handover_test_${process.pid}_${Date.now()}_${databaseCounter}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { database: url.toString(), dataDir: MEMORY_DATA_DIR };
}

/** Options for a test provider. */
export interface TestProviderOptions {
  /** Changes to the demo configuration JSON, applied before validation. */
  configure?: (json: Record<string, unknown>) => void;
  /** Reuse a database (a restart); default: a fresh one. */
  storage?: { database?: string; dataDir: string };
  /** Listen on this port (a restart keeps its issuer); default: a free one. */
  port?: number;
}

/** A provider started in this process for one test, with the config it runs. */
export interface TestProvider extends RunningServer {
  config: Config;
  storage: { database?: string; dataDir: string };
}

/** Starts a provider on a free port with the demo configuration (and the test's changes). */
export async function startTestProvider(options: TestProviderOptions = {}): Promise<TestProvider> {
  const port = options.port ?? (await freePort());
  const json = demoConfigJson();
  options.configure?.(json);
  const storage = options.storage ?? (await freshDatabase());
  const config = parseConfig({ ...json, ...storage, issuer: `http://localhost:${port}`, port }, {});
  const server = await startServer(config);
  return { ...server, config, storage };
}
