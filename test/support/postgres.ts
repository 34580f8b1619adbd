import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import pg from 'pg';

import { freePort } from './provider.ts';

const BINARIES = ['initdb', 'pg_ctl', 'postgres'] as const;
const PACKAGED_ROOT = '/usr/lib/postgresql';
// PostgreSQL refuses to run as root; as root we hand its folder to this unprivileged user.
const SERVER_USER = 'postgres';

const SERVER_OPTIONS = ['-c listen_addresses=127.0.0.1', '-c max_connections=200'];
/**
 * Speed over durability, for servers that are never crashed on purpose. A server that a test
 * crashes must keep every commit it acknowledged, as a production server does.
 */
const FAST_OPTIONS = ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'];

/** How a throwaway server is set up. */
export interface PostgresOptions {
  /** Keep acknowledged commits across a crash (stop()); default false, which is faster. */
  durable?: boolean;
}

function isDirectoryWithBinaries(dir: string): boolean {
  return BINARIES.every((name) => existsSync(join(dir, name)));
}

function whichDirectory(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  const path = found.status === 0 ? found.stdout.trim() : '';
  const dir = path ? path.slice(0, path.lastIndexOf('/')) : undefined;
  return dir && isDirectoryWithBinaries(dir) ? dir : undefined;
}

function packagedDirectory(): string | undefined {
  if (!existsSync(PACKAGED_ROOT)) {
    return undefined;
  }
  const versions = readdirSync(PACKAGED_ROOT).sort((a, b) => Number(b) - Number(a));
  const dirs = versions.map((version) => join(PACKAGED_ROOT, version, 'bin'));
  return dirs.find(isDirectoryWithBinaries);
}

/** The folder holding initdb, pg_ctl and postgres, or undefined when PostgreSQL is absent. */
export function findPostgresBinaries(): string | undefined {
  return whichDirectory() ?? packagedDirectory();
}

interface RunAs {
  uid?: number;
  gid?: number;
}

function serverUser(): RunAs {
  if (process.getuid?.() !== 0) {
    return {};
  }
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${SERVER_USER}:`));
  if (!line) {
    throw new Error(`running as root needs an unprivileged "${SERVER_USER}" user for PostgreSQL`);
  }
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function run(binary: string, args: string[], user: RunAs): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { ...user, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) {
        resolve();
      } else {
        reject(new Error(`${binary} exited with ${code}: ${stderr.trim()}`));
      }
    });
  });
}

/** A throwaway PostgreSQL server on loopback, trusting every local connection. */
export interface PostgresServer {
  port: number;
  /** The URL of a database on this server (default: the maintenance database). */
  url(database?: string): string;
  /** Creates a new empty database and returns its URL. */
  createDatabase(prefix?: string): Promise<string>;
  /** Stops the server at once, dropping every connection (as a crash or failover would). */
  stop(): Promise<void>;
  /** Starts the stopped server again on the same port. */
  start(): Promise<void>;
  /** Stops the server and deletes its folder. */
  remove(): void;
}

interface ServerPaths {
  bin: string;
  root: string;
  data: string;
  log: string;
}

function createFolders(bin: string, user: RunAs): ServerPaths {
  const root = mkdtempSync(join(tmpdir(), 'handover-pg-'));
  if (user.uid !== undefined && user.gid !== undefined) {
    chownSync(root, user.uid, user.gid);
  }
  return { bin, root, data: join(root, 'data'), log: join(root, 'server.log') };
}

function pgCtl(paths: ServerPaths, user: RunAs, args: string[]): Promise<void> {
  return run(join(paths.bin, 'pg_ctl'), ['-D', paths.data, ...args], user);
}

function startArgs(paths: ServerPaths, port: number, durable: boolean): string[] {
  const settings = durable ? SERVER_OPTIONS : [...SERVER_OPTIONS, ...FAST_OPTIONS];
  const options = [...settings, `-p ${port}`, `-k ${paths.root}`].join(' ');
  return ['-w', '-t', '30', '-l', paths.log, '-o', options, 'start'];
}

let databaseCounter = 0;

/** Initialises and starts a new server in a temporary folder on a free port. */
export async function startPostgres(
  bin: string,
  options: PostgresOptions = {},
): Promise<PostgresServer> {
  const durable = options.durable ?? false;
  const user = serverUser();
  const paths = createFolders(bin, user);
  const initdbArgs = ['-D', paths.data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8'];
  await run(join(bin, 'initdb'), [...initdbArgs, '--no-locale', '--no-sync'], user);
  const port = await freePort();
  await pgCtl(paths, user, startArgs(paths, port, durable));
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let running = true;

  return {
    port,
    url,
    async createDatabase(prefix = 'handover') {
      databaseCounter += 1;
      const name = `${prefix}_${process.pid}_${databaseCounter}`;
      const admin = new pg.Client({ connectionString: url() });
      await admin.connect();
      try {
        await admin.query(`create database ${name}`);
      } finally {
        await admin.end();
      }
      return url(name);
    },
    async stop() {
      await pgCtl(paths, user, ['-m', 'immediate', '-w', 'stop']);
      running = false;
    },
    async start() {
      await pgCtl(paths, user, startArgs(paths, port, durable));
      running = true;
    },
    remove() {
      if (running) {
        // Synchronous, so that it also works from a process 'exit' handler.
        execFileSync(join(bin, 'pg_ctl'), ['-D', paths.data, '-m', 'immediate', 'stop'], {
          ...user,
          stdio: 'ignore',
        });
        running = false;
      }
      rmSync(paths.root, { recursive: true, force: true });
    },
  };
}
