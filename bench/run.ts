import { cpus } from 'node:os';

import pg from 'pg';

import { type BenchIdentity, mintLoginHintTokens, signIn } from './fixtures.ts';
import { type Measurement, measureRound, type Target } from './load.ts';
import { startBenchPostgres } from './postgres.ts';
import { canReadCpuTimes, parentPid } from './proc_stat.ts';
import { startProviderProcess } from './provider_process.ts';
import { checkTargets, markdownTable, type Results, resultKey, targetList } from './report.ts';
import { createTally, SCENARIO_KEYS, SCENARIOS, type ScenarioKey } from './scenarios.ts';

/** How much to measure: the full run, or CI's few-second smoke. */
interface Plan {
  connections: number[];
  rounds: number;
  durationS: number;
  warmupS: number;
}

const FULL: Plan = { connections: [10, 50], rounds: 3, durationS: 5, warmupS: 1 };
const SMOKE: Plan = { connections: [10], rounds: 1, durationS: 1, warmupS: 0.5 };
// Handover tokens are single-use: each round mints what the cookie-SSO rate suggests, plus room.
const TOKEN_HEADROOM = 1.3;
const DEFAULT_AUTH_RATE = 1000;

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

interface RunState {
  target: Target;
  identity: BenchIdentity;
  results: Results;
}

function expectedAuthRequests(state: RunState, connections: number, durationS: number): number {
  const cookie = state.results.get(resultKey('cookie_sso', connections))?.at(-1);
  const rate = cookie && cookie.rate > 0 ? cookie.rate : DEFAULT_AUTH_RATE;
  return Math.ceil(rate * durationS * TOKEN_HEADROOM);
}

async function runScenario(
  state: RunState,
  key: ScenarioKey,
  connections: number,
  durationS: number,
): Promise<Measurement> {
  const scenario = SCENARIOS[key];
  const tally = createTally();
  const round = await scenario.prepare({
    issuer: state.target.url,
    identity: state.identity,
    connections,
    tally,
    expectedRequests: expectedAuthRequests(state, connections, durationS),
  });
  return measureRound(state.target, round, tally, {
    connections,
    durationS,
    requestsPerUnit: scenario.requestsPerUnit,
  });
}

function progress(key: ScenarioKey, connections: number, m: Measurement): void {
  process.stderr.write(
    `  ${key.padEnd(10)} ${String(connections).padStart(3)} conns: ${m.rate.toFixed(0)}/s, ` +
      `p99 ${m.p99.toFixed(1)} ms, ${m.statements.toFixed(2)} statements, ${m.bad} failed\n`,
  );
}

async function runRounds(state: RunState, plan: Plan, keys: ScenarioKey[]): Promise<void> {
  process.stderr.write('warming up\n');
  for (const key of keys) {
    await runScenario(state, key, plan.connections[0]!, plan.warmupS);
  }
  // Rounds interleave the scenarios, so that a noisy neighbour hits all of them alike.
  for (let round = 1; round <= plan.rounds; round += 1) {
    process.stderr.write(`round ${round}/${plan.rounds}\n`);
    for (const connections of plan.connections) {
      for (const key of keys) {
        const measurement = await runScenario(state, key, connections, plan.durationS);
        progress(key, connections, measurement);
        const list = state.results.get(resultKey(key, connections)) ?? [];
        list.push(measurement);
        state.results.set(resultKey(key, connections), list);
      }
    }
  }
}

function describeMachine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, Node ${process.version}`;
}

function printReport(results: Results, keys: ScenarioKey[], plan: Plan, skipped: boolean): boolean {
  const checks = checkTargets(results, plan.connections);
  const lines = [
    '',
    `Machine: ${describeMachine()}; ${plan.rounds} rounds of ${plan.durationS} s, medians.`,
    '',
    markdownTable(results, keys, plan.connections),
    '',
    targetList(checks),
    ...(skipped
      ? ['', 'The token exchange answered no login_hint_token: its scenarios were skipped.']
      : []),
    '',
  ];
  process.stdout.write(lines.join('\n'));
  return checks.every((check) => check.holds);
}

async function main(argv: string[]): Promise<void> {
  const plan = argv.includes('--smoke') ? SMOKE : FULL;
  const profileDir = argv.find((arg) => arg.startsWith('--profile='))?.slice('--profile='.length);
  const postgres = await startBenchPostgres();
  const provider = await startProviderProcess({ databaseUrl: postgres.url, profileDir });
  try {
    const target: Target = {
      url: provider.url,
      providerPid: provider.pid,
      postmasterPid: await findPostmaster(postgres.url),
    };
    const identity = await signIn(provider.url);
    const exchanging = await canExchange(provider.url, identity);
    const handover: ScenarioKey[] = ['exchange', 'handover', 'journey'];
    const keys = SCENARIO_KEYS.filter((key) => exchanging || !handover.includes(key));
    const state: RunState = { target, identity, results: new Map() };
    await runRounds(state, plan, keys);
    const met = printReport(state.results, keys, plan, !exchanging);
    process.exitCode = met || argv.includes('--smoke') ? 0 : 1;
  } finally {
    await provider.stop();
    await postgres.stop();
  }
}

await main(process.argv.slice(2));
