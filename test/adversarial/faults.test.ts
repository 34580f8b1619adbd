import { expect } from 'chai';

import { isDatabaseOutage } from '../../provider/http/database_outage.ts';
import { openDatabase } from '../../provider/storage/database.ts';
import { ownPostgres, skipWithoutPostgres } from '../support/adversarial.ts';
import { type Cluster, type ProviderProcess, startCluster } from '../support/cluster.ts';
import {
  type AppSession,
  exchange,
  mintToken,
  redeem,
  signInApp,
} from '../support/handover_http.ts';
import { query, sessionUids, type TokenState, tokenState } from '../support/inspect.ts';
import type { PostgresServer } from '../support/postgres.ts';
import type { RawResponse } from '../support/raw_http.ts';

/** "Fail fast": connect and acquire timeouts are 3 s; anything near the 20 s cap is a hang. */
const FAST_FAIL_MS = 6_000;
const OUTAGE_MS = 3_000;

interface Outcome {
  kind: 'exchange' | 'redemption';
  status: number;
  ms: number;
  at: number;
  error: string | undefined;
  code: boolean;
}

function errorOf(response: RawResponse): string | undefined {
  const json = /^\s*\{/.test(response.body)
    ? (JSON.parse(response.body) as { error?: string })
    : {};
  const page = /temporarily_unavailable/.test(response.body)
    ? 'temporarily_unavailable'
    : undefined;
  return json.error ?? response.location?.searchParams.get('error') ?? page;
}

function outcome(kind: Outcome['kind'], response: RawResponse): Outcome {
  return {
    kind,
    status: response.status,
    ms: response.durationMs,
    at: Date.now(),
    error: errorOf(response),
    code: response.location?.searchParams.has('code') ?? false,
  };
}

/** One simulated app + browser: exchange at one instance, redeem at the other, repeat. */
async function handoverLoop(
  app: AppSession,
  [mint, spend]: [ProviderProcess, ProviderProcess],
  isDone: () => boolean,
  outcomes: Outcome[],
): Promise<void> {
  while (!isDone()) {
    const minted = await exchange(mint.url, app.refreshToken);
    outcomes.push(outcome('exchange', minted.response));
    if (minted.token) {
      outcomes.push(outcome('redemption', (await redeem(spend.url, minted.token)).response));
    } else {
      await sleep(50);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntilReady(instances: ProviderProcess[]): Promise<number> {
  const started = Date.now();
  for (;;) {
    const statuses = await Promise.all(
      instances.map((instance) => fetch(`${instance.url}/readyz`).then((r) => r.status)),
    );
    if (statuses.every((status) => status === 200)) {
      return Date.now() - started;
    }
    await sleep(100);
  }
}

describe('faults: PostgreSQL outage and killed provider processes', function () {
  this.timeout(90_000);
  let server: PostgresServer;
  let databaseUrl: string;
  let cluster: Cluster;
  let app: AppSession;

  before(async function () {
    skipWithoutPostgres(this);
    // Its own server, crashed on purpose: durable, so an acknowledged commit survives a crash.
    server = await ownPostgres({ durable: true });
    databaseUrl = await server.createDatabase('faults');
    cluster = await startCluster({
      databaseUrl,
      configure: (json) => {
        (json.handover as Record<string, unknown>).exchangesPerMinute = 0;
      },
    });
    app = await signInApp(cluster.issuer);
  });

  after(async () => {
    await cluster?.close();
  });

  /** Runs handovers on both instances while PostgreSQL stops for a while and comes back. */
  async function loadThroughOutage(): Promise<{ outcomes: Outcome[]; resumedAt: number }> {
    const outcomes: Outcome[] = [];
    let done = false;
    const [a, b] = cluster.instances;
    const pairs: [ProviderProcess, ProviderProcess][] = [
      [a, b],
      [b, a],
      [a, a],
    ];
    const load = Promise.all(pairs.map((pair) => handoverLoop(app, pair, () => done, outcomes)));
    await sleep(1_500);
    await server.stop();
    await sleep(OUTAGE_MS);
    await server.start();
    const resumeMs = await waitUntilReady(cluster.instances);
    expect(resumeMs, 'time to ready again').to.be.below(FAST_FAIL_MS);
    const resumedAt = Date.now();
    await sleep(1_500);
    done = true;
    await load;
    return { outcomes, resumedAt };
  }

  /** Every session created since `baseline` must be one a consumed token accounts for. */
  async function expectOnlyTrackedSessions(baseline: Set<string>): Promise<TokenState> {
    const tokens = await tokenState(databaseUrl);
    expect(tokens.sessionWithoutConsume).to.equal(0);
    const sessions = [...(await sessionUids(databaseUrl))].filter((uid) => !baseline.has(uid));
    const untracked = sessions.filter((uid) => !tokens.sessionUids.has(uid));
    expect(untracked, 'sessions that no consumed token accounts for').to.deep.equal([]);
    return tokens;
  }

  it('fails fast with 503 temporarily_unavailable while PostgreSQL is down, then resumes', async () => {
    const baseline = await sessionUids(databaseUrl);
    const { outcomes, resumedAt } = await loadThroughOutage();

    const failures = outcomes.filter((o) => o.status >= 500);
    expect(failures.length, 'requests that failed during the outage').to.be.greaterThan(0);
    expect(Math.max(...outcomes.map((o) => o.ms))).to.be.below(FAST_FAIL_MS);
    for (const failure of failures) {
      expect(failure.status, `${failure.kind} answered ${failure.status}`).to.equal(503);
      expect(failure.error).to.equal('temporarily_unavailable');
    }
    const unexpected = outcomes.filter(
      (o) => o.status < 500 && (o.kind === 'exchange' ? o.status !== 200 : !o.code),
    );
    expect(unexpected, 'answers that were neither success nor 503').to.deep.equal([]);
    const after = outcomes.filter((o) => o.at > resumedAt);
    expect(after.some((o) => o.kind === 'redemption' && o.code)).to.equal(true);

    const tokens = await expectOnlyTrackedSessions(baseline);
    expect(outcomes.filter((o) => o.code).length).to.be.at.most(tokens.consumed);
  });

  it('redeems no token twice and leaves no untracked session when an instance is SIGKILLed', async () => {
    const baseline = await sessionUids(databaseUrl);
    const [a, b] = cluster.instances;
    const tokens = await Promise.all(
      Array.from({ length: 30 }, () => mintToken(a.url, app.refreshToken)),
    );
    const codesPerToken = new Map(tokens.map((token) => [token, 0]));
    let cutOff = 0;
    const count = async (instance: ProviderProcess, token: string) => {
      const result = await redeem(instance.url, token).catch(() => {
        cutOff += 1;
      });
      if (result?.code) {
        codesPerToken.set(token, (codesPerToken.get(token) ?? 0) + 1);
      }
    };

    const racing = tokens.flatMap((token) => [count(a, token), count(b, token)]);
    await sleep(40);
    await b.kill();
    await Promise.all(racing);
    expect(cutOff, 'redemptions cut off by the kill').to.be.greaterThan(0);
    await b.restart();
    // Retries after the crash, on both instances: a consumed token must stay consumed.
    await Promise.all(tokens.flatMap((token) => [count(a, token), count(b, token)]));

    expect(Math.max(...codesPerToken.values())).to.be.at.most(1);
    const state = await expectOnlyTrackedSessions(baseline);
    const redeemed = [...codesPerToken.values()].filter((n) => n === 1).length;
    expect(redeemed).to.be.at.most(state.consumed);
  });

  it('cuts off a statement stuck behind a lock at the lock timeout', async () => {
    const database = openDatabase({ database: databaseUrl, dataDir: 'memory://' });
    const holder = openDatabase({ database: databaseUrl, dataDir: 'memory://' });
    try {
      const settings = await database.knex.raw(
        "select current_setting('statement_timeout') as statement, " +
          "current_setting('lock_timeout') as lock",
      );
      expect(settings.rows[0]).to.deep.equal({ statement: '5s', lock: '2s' });

      await holder.knex.transaction(async (trx) => {
        await trx.raw('lock table audit_events in access exclusive mode');
        const started = Date.now();
        const error = await database
          .knex('audit_events')
          .count()
          .then(
            () => undefined,
            (caught: unknown) => caught,
          );
        expect(Date.now() - started).to.be.below(FAST_FAIL_MS);
        expect((error as { code?: string }).code).to.equal('55P03');
        expect(isDatabaseOutage(error)).to.equal(true);
      });
    } finally {
      await Promise.all([database.knex.destroy(), holder.knex.destroy()]);
    }
  });

  it('answers /readyz with 503 quickly while the database is unreachable', async () => {
    await server.stop();
    try {
      const started = Date.now();
      const statuses = await Promise.all(
        cluster.instances.map((instance) => fetch(`${instance.url}/readyz`).then((r) => r.status)),
      );
      expect(statuses).to.deep.equal([503, 503]);
      expect(Date.now() - started).to.be.below(FAST_FAIL_MS);
    } finally {
      await server.start();
    }
    expect(await waitUntilReady(cluster.instances)).to.be.below(FAST_FAIL_MS);
    expect(await query(databaseUrl, 'select 1 as one')).to.deep.equal([{ one: 1 }]);
  });
});
