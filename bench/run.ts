import { cpus } from 'node:os';

import { checkTargets, markdownTable, targetList } from './report.ts';
import { type Plan, type RunState, runRounds } from './rounds.ts';
import { runScale } from './scale.ts';
import { SCENARIO_KEYS, type ScenarioKey } from './scenarios.ts';
import { type Bench, startBench } from './setup.ts';

const FULL: Plan = { connections: [10, 50], rounds: 3, durationS: 4, warmupS: 1 };
const SMOKE: Plan = { connections: [10], rounds: 1, durationS: 1, warmupS: 0.5 };
const NEEDS_EXCHANGE: ScenarioKey[] = ['exchange', 'handover', 'journey'];

function describeMachine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, Node ${process.version}`;
}

function printReport(state: RunState, keys: ScenarioKey[], plan: Plan, skipped: boolean): boolean {
  const checks = checkTargets(state.results, state.statements, plan.connections);
  const lines = [
    '',
    `Machine: ${describeMachine()}; ${plan.rounds} rounds of ${plan.durationS} s, medians.`,
    '',
    markdownTable(state.results, state.statements, keys, plan.connections),
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

async function runMain(bench: Bench, argv: string[]): Promise<boolean> {
  const plan = argv.includes('--smoke') ? SMOKE : FULL;
  const keys = SCENARIO_KEYS.filter((key) => bench.exchanging || !NEEDS_EXCHANGE.includes(key));
  const state: RunState = {
    target: bench.target,
    identity: bench.identity,
    results: new Map(),
    statements: new Map(),
  };
  await runRounds(state, plan, keys);
  const met = printReport(state, keys, plan, !bench.exchanging);
  // The smoke run only proves that every scenario works: its numbers are too short to judge.
  return met || argv.includes('--smoke');
}

/**
 * npm run bench [-- --smoke | --scale] [--profile=<dir>]: exits 1 when a target is missed.
 * --profile writes a V8 CPU profile of the provider into the folder when the run ends.
 */
async function main(argv: string[]): Promise<void> {
  const profileDir = argv.find((arg) => arg.startsWith('--profile='))?.slice('--profile='.length);
  const bench = await startBench(profileDir);
  try {
    const met = argv.includes('--scale') ? await runScale(bench) : await runMain(bench, argv);
    process.exitCode = met ? 0 : 1;
  } finally {
    await bench.stop();
  }
}

await main(process.argv.slice(2));
