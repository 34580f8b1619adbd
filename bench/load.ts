import autocannon from 'autocannon';

import { processCpuMs, serverCpuMs } from './proc_stat.ts';
import type { Tally } from './responses.ts';
import type { PreparedRound } from './scenarios.ts';

/** The processes whose cost a round measures. */
export interface Target {
  url: string;
  providerPid: number;
  /** The PostgreSQL postmaster, when it runs on this machine. */
  postmasterPid: number | undefined;
}

/** The outcome of one measured round, per unit of work (one request, or one journey). */
export interface Measurement {
  rate: number;
  p50: number;
  p99: number;
  providerCpuMs: number;
  postgresCpuMs: number | undefined;
  statements: number;
  units: number;
  bad: number;
  firstBad: string | undefined;
}

interface Snapshot {
  providerCpuMs: number;
  postgresCpuMs: number | undefined;
  statements: number;
}

const STATEMENTS_SERIES = /^oidc_handover_db_statements_total (\d+)/m;

async function readStatements(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = STATEMENTS_SERIES.exec(text);
  if (!match) {
    throw new Error('the provider does not expose oidc_handover_db_statements_total');
  }
  return Number(match[1]);
}

const SETTLE_POLL_MS = 50;
const SETTLE_LIMIT_MS = 2_000;

/**
 * Waits until the statement count stops moving: requests still in flight when the load
 * generator stopped are finished by the server, and their cost belongs to this round.
 */
async function settledStatements(url: string): Promise<number> {
  let last = await readStatements(url);
  const deadline = Date.now() + SETTLE_LIMIT_MS;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
    const now = await readStatements(url);
    if (now === last) {
      return now;
    }
    last = now;
  }
  return last;
}

async function snapshot(target: Target): Promise<Snapshot> {
  // Statements first: the scrape is one request, and the CPU readings follow it directly.
  const statements = await settledStatements(target.url);
  return {
    statements,
    providerCpuMs: processCpuMs(target.providerPid),
    postgresCpuMs: target.postmasterPid ? serverCpuMs(target.postmasterPid) : undefined,
  };
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}

/** Options of one measured round. */
export interface RoundOptions {
  connections: number;
  durationS: number;
  requestsPerUnit: number;
}

function runAutocannon(target: Target, round: PreparedRound, options: RoundOptions) {
  return autocannon({
    url: target.url,
    connections: options.connections,
    duration: options.durationS,
    ...(round.amount === undefined ? {} : { amount: round.amount }),
    requests: round.requests,
  });
}

/** Runs one round against the target and measures rate, latency, CPU and SQL statements. */
export async function measureRound(
  target: Target,
  round: PreparedRound,
  tally: Tally,
  options: RoundOptions,
): Promise<Measurement> {
  const before = await snapshot(target);
  const started = performance.now();
  const result = await runAutocannon(target, round, options);
  const after = await snapshot(target);
  const units = tally.ok + tally.bad || result.requests.total / options.requestsPerUnit;
  const perUnit = (value: number) => value / Math.max(units, 1);
  const sortedUnits = [...tally.unitLatencies].sort((a, b) => a - b);
  const isJourney = options.requestsPerUnit > 1;
  // autocannon notices a reached `amount` only at its next one-second tick and reports that
  // idle time in `duration`: the round is timed from its start to its last unit instead.
  const seconds = tally.lastAt > started ? (tally.lastAt - started) / 1000 : result.duration;
  return {
    rate: units / seconds,
    p50: isJourney ? percentile(sortedUnits, 0.5) : result.latency.p50,
    p99: isJourney ? percentile(sortedUnits, 0.99) : result.latency.p99,
    providerCpuMs: perUnit(after.providerCpuMs - before.providerCpuMs),
    postgresCpuMs:
      after.postgresCpuMs === undefined || before.postgresCpuMs === undefined
        ? undefined
        : perUnit(after.postgresCpuMs - before.postgresCpuMs),
    // The scrape between the two readings sends no statement.
    statements: perUnit(after.statements - before.statements),
    units,
    bad: tally.bad + result.errors,
    firstBad:
      tally.firstBad ?? (result.errors > 0 ? `${result.errors} connection errors` : undefined),
  };
}
