import type { Measurement } from './load.ts';
import { SCENARIOS, type ScenarioKey } from './scenarios.ts';

/** Every round's measurement of one scenario at one connection count. */
export type Results = Map<string, Measurement[]>;

/** SQL statements per unit of work of each scenario, counted on one connection. */
export type Statements = Map<ScenarioKey, number>;

/** The key of a scenario at a connection count in the results. */
export function resultKey(scenario: ScenarioKey, connections: number): string {
  return `${scenario}@${connections}`;
}

function median(values: number[]): number {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The median of every field over the rounds of one scenario. */
export function medianOf(rounds: Measurement[]): Measurement {
  const field = (pick: (m: Measurement) => number | undefined) =>
    median(rounds.map((m) => pick(m) ?? Number.NaN));
  return {
    rate: field((m) => m.rate),
    p50: field((m) => m.p50),
    p99: field((m) => m.p99),
    providerCpuMs: field((m) => m.providerCpuMs),
    postgresCpuMs: rounds.some((m) => m.postgresCpuMs !== undefined)
      ? field((m) => m.postgresCpuMs)
      : undefined,
    statements: field((m) => m.statements),
    units: rounds.reduce((sum, m) => sum + m.units, 0),
    bad: rounds.reduce((sum, m) => sum + m.bad, 0),
    firstBad: rounds.find((m) => m.firstBad)?.firstBad,
  };
}

function fixed(value: number | undefined, digits: number): string {
  return value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits);
}

function row(key: ScenarioKey, connections: number, m: Measurement, statements: number): string {
  const scenario = SCENARIOS[key];
  const unit = scenario.requestsPerUnit > 1 ? ' (per journey)' : '';
  const cells = [
    `${scenario.title}${unit}`,
    String(connections),
    fixed(m.rate, 0),
    fixed(m.p50, 1),
    fixed(m.p99, 1),
    fixed(m.providerCpuMs, 2),
    fixed(m.postgresCpuMs, 2),
    fixed(statements, 2),
    m.bad === 0 ? '0' : `${m.bad} (${m.firstBad ?? '?'})`,
  ];
  return `| ${cells.join(' | ')} |`;
}

/** The results as one Markdown table, medians over the rounds. */
export function markdownTable(
  results: Results,
  statements: Statements,
  keys: ScenarioKey[],
  connections: number[],
): string {
  const lines = [
    '| scenario | conns | req/s | p50 ms | p99 ms | provider CPU ms/req | PostgreSQL CPU ms/req | SQL statements/req | failed |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const key of keys) {
    for (const count of connections) {
      const rounds = results.get(resultKey(key, count));
      if (rounds) {
        const median = medianOf(rounds);
        lines.push(row(key, count, median, statements.get(key) ?? median.statements));
      }
    }
  }
  return lines.join('\n');
}

/** One checked target: what it says, the measured value and whether it holds. */
export interface TargetCheck {
  text: string;
  value: string;
  holds: boolean;
}

// A scenario whose responses were not what it expects measured something else: its numbers
// cannot meet a target.
const MAX_FAILED_SHARE = 0.01;

function isValid(m: Measurement): boolean {
  return m.bad <= m.units * MAX_FAILED_SHARE;
}

function ratioChecks(results: Results, connections: number): TargetCheck[] {
  const get = (key: ScenarioKey) => {
    const rounds = results.get(resultKey(key, connections));
    return rounds ? medianOf(rounds) : undefined;
  };
  const checks: TargetCheck[] = [];
  const pairs = [
    ['exchange', 'refresh', 2, 'exchange / refresh grant throughput ≥ 2'],
    ['handover', 'cookie_sso', 0.8, 'handover / cookie-SSO /auth throughput ≥ 0.8'],
  ] as const;
  for (const [subject, reference, target, text] of pairs) {
    const [measured, baseline] = [get(subject), get(reference)];
    if (measured && baseline) {
      const ratio = measured.rate / baseline.rate;
      checks.push({
        text: `${text} (${connections} connections)`,
        value: ratio.toFixed(2),
        holds: ratio >= target && isValid(measured) && isValid(baseline),
      });
    }
  }
  return checks;
}

function statementChecks(statements: Statements): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const [exchange, handover, cookie] = [
    statements.get('exchange'),
    statements.get('handover'),
    statements.get('cookie_sso'),
  ];
  if (exchange !== undefined) {
    const value = exchange.toFixed(2);
    checks.push({ text: 'exchange statements ≤ 4', value, holds: exchange <= 4 });
  }
  if (handover !== undefined && cookie !== undefined) {
    checks.push({
      text: 'handover statements ≤ cookie SSO + 2',
      value: `${handover.toFixed(2)} vs ${cookie.toFixed(2)}`,
      holds: handover <= cookie + 2,
    });
  }
  return checks;
}

/** The ratios and statement counts against the targets. */
export function checkTargets(
  results: Results,
  statements: Statements,
  connections: number[],
): TargetCheck[] {
  return [
    ...connections.flatMap((count) => ratioChecks(results, count)),
    ...statementChecks(statements),
  ];
}

/** The target checks as a Markdown list. */
export function targetList(checks: TargetCheck[]): string {
  return checks
    .map((check) => `- ${check.holds ? 'PASS' : 'MISS'} ${check.text}: ${check.value}`)
    .join('\n');
}
