import type { BenchIdentity } from './fixtures.ts';
import { type Measurement, measureRound, type Target } from './load.ts';
import { type Results, resultKey, type Statements } from './report.ts';
import { createTally } from './responses.ts';
import { SCENARIOS, type ScenarioKey } from './scenarios.ts';

/** How much to measure: the full run, or CI's few-second smoke. */
export interface Plan {
  connections: number[];
  rounds: number;
  durationS: number;
  warmupS: number;
}

// Handover tokens are single-use: each round mints what the last handover or cookie-SSO rate
// suggests, plus room.
const TOKEN_HEADROOM = 1.3;
const DEFAULT_AUTH_RATE = 200;

/** What the rounds run against, and the measurements collected so far. */
export interface RunState {
  target: Target;
  identity: BenchIdentity;
  results: Results;
  /** SQL statements per unit, counted exactly on one connection (see calibrate). */
  statements: Statements;
}

// Units of work sent one at a time to count statements exactly, free of the requests a timed
// round cuts off at its end and of the cleanup job's batches.
const CALIBRATION_UNITS = 30;

function expectedAuthRequests(state: RunState, connections: number, durationS: number): number {
  const last = (key: ScenarioKey) => state.results.get(resultKey(key, connections))?.at(-1)?.rate;
  const rate = last('handover') || last('cookie_sso') || DEFAULT_AUTH_RATE;
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

async function calibrate(state: RunState, key: ScenarioKey): Promise<number> {
  const scenario = SCENARIOS[key];
  const tally = createTally();
  const round = await scenario.prepare({
    issuer: state.target.url,
    identity: state.identity,
    connections: 1,
    tally,
    expectedRequests: CALIBRATION_UNITS,
  });
  const amount = CALIBRATION_UNITS * scenario.requestsPerUnit;
  const options = { connections: 1, durationS: 60, requestsPerUnit: scenario.requestsPerUnit };
  const measured = await measureRound(state.target, { ...round, amount }, tally, options);
  return measured.statements;
}

/** Warms up, counts statements, then runs the rounds: each scenario at each connection count. */
export async function runRounds(state: RunState, plan: Plan, keys: ScenarioKey[]): Promise<void> {
  process.stderr.write('warming up\n');
  for (const key of keys) {
    await runScenario(state, key, plan.connections[0]!, plan.warmupS);
    state.statements.set(key, await calibrate(state, key));
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
