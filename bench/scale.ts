import autocannon from 'autocannon';
import pg from 'pg';

import { removeExpiredRows } from '../provider/storage/cleanup.ts';
import { openDatabase } from '../provider/storage/database.ts';
import { markdownTable, medianOf, resultKey } from './report.ts';
import { createTally } from './responses.ts';
import { type Plan, type RunState, runRounds } from './rounds.ts';
import { SCENARIOS, type ScenarioKey } from './scenarios.ts';
import type { Bench } from './setup.ts';

const ROWS = 1_000_000;
const PLAN: Plan = { connections: [10], rounds: 3, durationS: 4, warmupS: 1 };
const KEYS: ScenarioKey[] = ['exchange', 'handover'];
const QUIET_S = 5;
const CLEANUP_LIMIT_S = 150;
const TRAFFIC_CONNECTIONS = 10;

// What piles up when the cleanup falls behind: expired access tokens and rotated (consumed)
// refresh tokens, and handover tokens used or left to expire. All are due for cleanup, so the
// provider's own job (every minute) may start on them while the loaded rounds run, as it would
// in production.
const INSERT_PROVIDER_ROWS = `
insert into oidc_models (model, id_hash, payload, grant_id, expires_at, consumed_at)
select case when i % 2 = 0 then 'RefreshToken' else 'AccessToken' end,
       sha256(('scale-model-' || i)::bytea),
       jsonb_build_object('kind', case when i % 2 = 0 then 'RefreshToken' else 'AccessToken' end,
         'accountId', 'scale-account-' || (i % 1000), 'clientId', 'demo-app',
         'grantId', 'scale-grant-' || (i / 10), 'scope', 'openid profile email offline_access',
         'iat', extract(epoch from now())::int, 'authTime', extract(epoch from now())::int),
       'scale-grant-' || (i / 10), now() - interval '2 hours',
       case when i % 2 = 0 then now() - interval '3 hours' end
from generate_series(1, $1::int) as i`;

const INSERT_HANDOVER_ROWS = `
insert into login_hint_tokens (id_hash, account_id, source_client_id, target_client_id,
  source_grant_id, auth_time, amr, acr, caller_ip, created_at, expires_at, consumed_at,
  session_uid, session_created)
select sha256(('scale-lht-' || i)::bytea), 'scale-account-' || (i % 1000), 'demo-app',
       'demo-website', 'scale-grant-' || (i / 10), extract(epoch from now())::bigint,
       '["pwd"]'::jsonb, 'urn:oidc-handover:loa:1', '192.0.2.1',
       now() - interval '3 hours', now() - interval '2 hours',
       case when i % 4 <> 0 then now() - interval '2 hours 30 minutes' end,
       case when i % 4 <> 0 then 'scale-session-' || i end, i % 4 <> 0
from generate_series(1, $1::int) as i`;

async function withClient(url: string, work: (client: pg.Client) => Promise<void>) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

async function insertRows(url: string): Promise<void> {
  // One connection per table: the two bulk inserts run side by side.
  await Promise.all([
    withClient(url, (client) => client.query(INSERT_PROVIDER_ROWS, [ROWS]).then(() => {})),
    withClient(url, (client) => client.query(INSERT_HANDOVER_ROWS, [ROWS]).then(() => {})),
  ]);
  await withClient(url, (client) =>
    client.query('vacuum analyze oidc_models, login_hint_tokens').then(() => {}),
  );
}

async function throughput(bench: Bench, label: string): Promise<RunState> {
  process.stderr.write(`${label}\n`);
  const state: RunState = {
    target: bench.target,
    identity: bench.identity,
    results: new Map(),
    statements: new Map(),
  };
  await runRounds(state, PLAN, KEYS);
  return state;
}

async function journeyRequests(bench: Bench) {
  const tally = createTally();
  const round = await SCENARIOS.journey.prepare({
    issuer: bench.target.url,
    identity: bench.identity,
    connections: TRAFFIC_CONNECTIONS,
    tally,
    expectedRequests: 0,
  });
  return round.requests;
}

/** Runs journeys in the background; `stop` ends them early, `done` gives the result. */
function startTraffic(bench: Bench, requests: autocannon.Request[], durationS: number) {
  let instance: autocannon.Instance | undefined;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    const options = {
      url: bench.target.url,
      connections: TRAFFIC_CONNECTIONS,
      duration: durationS,
      requests,
    };
    instance = autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
  return { done, stop: () => instance?.stop() };
}

async function runCleanup(url: string): Promise<{ removed: number; seconds: number }> {
  const database = openDatabase({ database: url, dataDir: '' });
  const started = performance.now();
  let removed = 0;
  try {
    for (;;) {
      const count = await removeExpiredRows(database.knex);
      removed += count;
      if (count === 0) {
        break;
      }
    }
  } finally {
    await database.knex.destroy();
  }
  return { removed, seconds: (performance.now() - started) / 1000 };
}

/** p99 of concurrent journeys, quiet and while the cleanup deletes the expired rows. */
interface CleanupResult {
  quietP99: number;
  cleanupP99: number;
  removed: number;
  seconds: number;
}

async function cleanupUnderTraffic(bench: Bench, quiet: autocannon.Result): Promise<CleanupResult> {
  process.stderr.write('cleanup under traffic\n');
  const traffic = startTraffic(bench, await journeyRequests(bench), CLEANUP_LIMIT_S);
  const cleanup = await runCleanup(bench.postgres.url);
  traffic.stop();
  const during = await traffic.done;
  return { quietP99: quiet.latency.p99, cleanupP99: during.latency.p99, ...cleanup };
}

function rateOf(state: RunState, key: ScenarioKey): number {
  const rounds = state.results.get(resultKey(key, TRAFFIC_CONNECTIONS));
  return rounds ? medianOf(rounds).rate : Number.NaN;
}

function scaleChecks(empty: RunState, full: RunState, cleanup: CleanupResult): string[] {
  const lines = KEYS.map((key) => {
    const ratio = rateOf(full, key) / rateOf(empty, key);
    const verdict = ratio >= 0.9 ? 'PASS' : 'MISS';
    return `- ${verdict} ${key} with ${ROWS} rows per table / empty ≥ 0.9: ${ratio.toFixed(2)}`;
  });
  const ratio = cleanup.cleanupP99 / cleanup.quietP99;
  lines.push(
    `- ${ratio <= 1.5 ? 'PASS' : 'MISS'} p99 during cleanup / quiet ≤ 1.5: ${ratio.toFixed(2)} ` +
      `(${cleanup.cleanupP99} ms vs ${cleanup.quietP99} ms; ${cleanup.removed} rows removed ` +
      `in ${cleanup.seconds.toFixed(1)} s)`,
  );
  return lines;
}

/** The --scale run: throughput empty and with a million rows per table, then the cleanup. */
export async function runScale(bench: Bench): Promise<boolean> {
  const empty = await throughput(bench, 'empty database');
  // Measured before the rows exist, so that no cleanup pass of the provider can overlap it.
  const quiet = await startTraffic(bench, await journeyRequests(bench), QUIET_S).done;
  process.stderr.write(`inserting ${ROWS} rows into each table\n`);
  await insertRows(bench.postgres.url);
  const full = await throughput(bench, `${ROWS} rows per table`);
  const cleanup = await cleanupUnderTraffic(bench, quiet);
  const checks = scaleChecks(empty, full, cleanup);
  const lines = [
    '',
    'Empty database:',
    '',
    markdownTable(empty.results, empty.statements, KEYS, PLAN.connections),
    '',
    `${ROWS} expired or consumed rows in oidc_models and in login_hint_tokens:`,
    '',
    markdownTable(full.results, full.statements, KEYS, PLAN.connections),
    '',
    ...checks,
    '',
  ];
  process.stdout.write(lines.join('\n'));
  return checks.every((line) => line.startsWith('- PASS'));
}
