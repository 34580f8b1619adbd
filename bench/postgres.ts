import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { freePort } from '../test/support/provider.ts';

const run = promisify(execFile);

/** A PostgreSQL server for the benchmark: its URL and how to stop it. */
export interface BenchPostgres {
  url: string;
  stop(): Promise<void>;
}

// PostgreSQL refuses to run as root; as root we run its tools as the "postgres" user.
const SERVER_USER = 'postgres';

function asServerUser(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() === 0) {
    return ['runuser', ['-u', SERVER_USER, '--', command, ...args]];
  }
  return [command, args];
}

async function runAsServerUser(command: string, args: string[]): Promise<void> {
  const [file, fullArgs] = asServerUser(command, args);
  await run(file, fullArgs, { maxBuffer: 16 * 1024 * 1024 });
}

async function serverUserIds(): Promise<{ uid: number; gid: number }> {
  const uid = await run('id', ['-u', SERVER_USER]);
  const gid = await run('id', ['-g', SERVER_USER]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

async function makeDataDir(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-handover-bench-pg-'));
  if (process.getuid?.() === 0) {
    const { uid, gid } = await serverUserIds();
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  return dir;
}

/**
 * Server settings: defaults, loopback only, and synchronous_commit off. A commit then does not
 * wait for the disk's flush, whose latency differs a hundredfold between machines (4 ms on a
 * cloud volume, microseconds on a laptop's NVMe) and would hide the CPU cost being compared.
 */
const SERVER_OPTIONS = [
  '-c max_connections=200',
  '-c listen_addresses=127.0.0.1',
  '-c synchronous_commit=off',
];

/**
 * Starts a throw-away PostgreSQL server on a free loopback port (initdb into a temporary folder,
 * trust authentication on loopback only), or returns DATABASE_URL when it is set.
 */
export async function startBenchPostgres(): Promise<BenchPostgres> {
  if (process.env.DATABASE_URL) {
    return { url: process.env.DATABASE_URL, stop: async () => {} };
  }
  const dir = await makeDataDir();
  const data = join(dir, 'data');
  const port = await freePort();
  await runAsServerUser('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync']);
  const options = [...SERVER_OPTIONS, `-p ${port}`, `-k ${dir}`].join(' ');
  await runAsServerUser('pg_ctl', [
    '-D',
    data,
    '-o',
    options,
    '-w',
    '-l',
    join(dir, 'log'),
    'start',
  ]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await runAsServerUser('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
