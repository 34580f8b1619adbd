import pg from 'pg';

import { type BenchIdentity, mintLoginHintTokens, signIn } from './fixtures.ts';
import type { Target } from './load.ts';
import { type BenchPostgres, startBenchPostgres } from './postgres.ts';
import { canReadCpuTimes, parentPid } from './proc_stat.ts';
import { type ProviderProcess, startProviderProcess } from './provider_process.ts';

/** A running benchmark: PostgreSQL, the provider in its own process, and a signed-in user. */
export interface Bench {
  postgres: BenchPostgres;
  provider: ProviderProcess;
  target: Target;
  identity: BenchIdentity;
  /** Whether the token exchange answers, i.e. whether its scenarios can run. */
  exchanging: boolean;
  stop(): Promise<void>;
}

async function findPostmaster(url: string): Promise<number | undefined> {
  if (!canReadCpuTimes()) {
    return undefined;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    // Only a server on this machine has a backend whose parent we can read.
    return parentPid(rows[0]!.pid);
  } finally {
    await client.end();
  }
}

async function canExchange(issuer: string, identity: BenchIdentity): Promise<boolean> {
  try {
    await mintLoginHintTokens(issuer, identity.subjectToken, 1);
    return true;
  } catch {
    return false;
  }
}

/** Starts PostgreSQL and the provider, and signs alice in once. */
export async function startBench(profileDir: string | undefined): Promise<Bench> {
  const postgres = await startBenchPostgres();
  let provider: ProviderProcess | undefined;
  try {
    provider = await startProviderProcess({ databaseUrl: postgres.url, profileDir });
    const target: Target = {
      url: provider.url,
      providerPid: provider.pid,
      postmasterPid: await findPostmaster(postgres.url),
    };
    const identity = await signIn(provider.url);
    const exchanging = await canExchange(provider.url, identity);
    const running = provider;
    const stop = async () => {
      await running.stop();
      await postgres.stop();
    };
    return { postgres, provider, target, identity, exchanging, stop };
  } catch (error) {
    await provider?.stop();
    await postgres.stop();
    throw error;
  }
}
