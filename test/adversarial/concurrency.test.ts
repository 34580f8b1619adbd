import { expect } from 'chai';

import { sharedPostgres, skipWithoutPostgres } from '../support/adversarial.ts';
import { DEMO } from '../support/clients.ts';
import { type Cluster, startCluster } from '../support/cluster.ts';
import {
  type AppSession,
  exchange,
  isSignedIn,
  mintToken,
  type RedemptionResult,
  redeem,
  signInApp,
} from '../support/handover_http.ts';
import { query, sessionUids } from '../support/inspect.ts';
import { send } from '../support/raw_http.ts';

const ROUNDS = 20;
const PARALLEL_REDEMPTIONS = 50;
const PARALLEL_EXCHANGES = 40;
/** 15 × 200 ms: how long the asynchronous cascade may take before a session counts as kept. */
const CASCADE_ATTEMPTS = 15;

function codesOf(results: RedemptionResult[]): number {
  return results.filter((result) => result.code !== undefined).length;
}

/** Losers of a race are sent back to the website as not signed in, never a server error. */
function expectOnlyLoginRequired(results: RedemptionResult[]): void {
  const losers = results.filter((result) => result.code === undefined);
  expect(losers.map((result) => result.error ?? result.response.status)).to.satisfy(
    (errors: unknown[]) => errors.every((error) => error === 'login_required'),
  );
}

async function sourceGrants(databaseUrl: string): Promise<Set<string>> {
  const rows = await query<{ id: string }>(
    databaseUrl,
    'select distinct source_grant_id as id from login_hint_tokens',
  );
  return new Set(rows.map((row) => row.id));
}

/** Browsers still signed in once the cascade had its chance (it runs after revocation answers). */
async function survivors(instanceUrl: string, browsers: RedemptionResult[]): Promise<number> {
  let alive = browsers;
  for (let attempt = 0; attempt < CASCADE_ATTEMPTS && alive.length > 0; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const checks = await Promise.all(alive.map((b) => isSignedIn(instanceUrl, b.cookies)));
    alive = alive.filter((_, i) => checks[i]);
  }
  return alive.length;
}

async function revoke(instanceUrl: string, refreshToken: string): Promise<number> {
  const response = await send({
    url: `${instanceUrl}/token/revocation`,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      token: refreshToken,
      token_type_hint: 'refresh_token',
      client_id: DEMO.app.clientId,
    }).toString(),
  });
  return response.status;
}

describe('concurrency: two provider processes on one PostgreSQL', function () {
  this.timeout(120_000);
  let cluster: Cluster;
  let databaseUrl: string;
  let app: AppSession;

  before(async function () {
    skipWithoutPostgres(this);
    const server = await sharedPostgres();
    databaseUrl = await server.createDatabase('concurrency');
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

  it(`issues exactly one code for ${PARALLEL_REDEMPTIONS} parallel redemptions of a token, ${ROUNDS} rounds`, async () => {
    const { instances } = cluster;
    for (let round = 0; round < ROUNDS; round += 1) {
      const token = await mintToken(instances[round % 2]!.url, app.refreshToken);
      const results = await Promise.all(
        Array.from({ length: PARALLEL_REDEMPTIONS }, (_, i) =>
          redeem(instances[i % 2]!.url, token),
        ),
      );
      expect(codesOf(results), `codes in round ${round}`).to.equal(1);
      expectOnlyLoginRequired(results);
    }
  });

  it('mints a distinct token for each of many parallel exchanges, each redeemable once', async () => {
    const { instances } = cluster;
    const exchanges = await Promise.all(
      Array.from({ length: PARALLEL_EXCHANGES }, (_, i) =>
        exchange(instances[i % 2]!.url, app.refreshToken),
      ),
    );
    expect(exchanges.map((result) => result.response.status)).to.satisfy((statuses: number[]) =>
      statuses.every((status) => status === 200),
    );
    const tokens = exchanges.map((result) => result.token!);
    expect(new Set(tokens).size).to.equal(PARALLEL_EXCHANGES);

    const perToken = await Promise.all(
      tokens.map((token) => Promise.all(instances.map((instance) => redeem(instance.url, token)))),
    );
    expect(perToken.map(codesOf)).to.deep.equal(tokens.map(() => 1));
  });

  it('ends the first session when the token is replayed at the other instance', async () => {
    const [a, b] = cluster.instances;
    const token = await mintToken(a.url, app.refreshToken);
    const first = await redeem(a.url, token);
    expect(first.code).to.be.a('string');
    const replay = await redeem(b.url, token);
    expect(replay.error).to.equal('login_required');
    expect(await isSignedIn(a.url, first.cookies)).to.equal(false);
  });

  it('keeps a signed-in browser on its account, however many switch requests race', async () => {
    const [a, b] = cluster.instances;
    const bob = await signInApp(cluster.issuer, DEMO.bob);
    const browser = await redeem(a.url, await mintToken(a.url, bob.refreshToken));
    expect(browser.code).to.be.a('string');
    const token = await mintToken(b.url, app.refreshToken);
    const attempts = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        redeem(cluster.instances[i % 2]!.url, token, { cookies: browser.cookies }),
      ),
    );
    expect(codesOf(attempts)).to.equal(0);
    expect(attempts.map((attempt) => attempt.error)).to.satisfy((errors: unknown[]) =>
      errors.every((error) => error === 'login_required' || error === 'interaction_required'),
    );
    expect(await isSignedIn(b.url, browser.cookies)).to.equal(true);
    // Still unconsumed: no attempt switched the browser (a switch would have used it up).
    expect(codesOf([await redeem(a.url, token)])).to.equal(1);
  });

  it('leaves no browser session of a revoked grant alive when revocation races redemptions', async () => {
    const known = await sourceGrants(databaseUrl);
    const victim = await signInApp(cluster.issuer, DEMO.bob);
    const { instances } = cluster;
    const tokens = await Promise.all(
      Array.from({ length: 20 }, (_, i) => mintToken(instances[i % 2]!.url, victim.refreshToken)),
    );
    const [grantId] = [...(await sourceGrants(databaseUrl))].filter((id) => !known.has(id));

    const redemptions = tokens.map((token, i) => redeem(instances[i % 2]!.url, token));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await revoke(instances[1].url, victim.refreshToken)).to.equal(200);
    const results = await Promise.all(redemptions);

    const signedIn = results.filter((result) => result.code !== undefined);
    expect(await survivors(instances[0].url, signedIn), 'sessions still alive').to.equal(0);
    const late = await Promise.all(tokens.map((token) => redeem(instances[0].url, token)));
    expect(codesOf(late)).to.equal(0);
    const rows = await query<{ uid: string }>(
      databaseUrl,
      'select session_uid as uid from login_hint_tokens where source_grant_id = $1 ' +
        'and session_uid is not null',
      [grantId],
    );
    const alive = await sessionUids(databaseUrl);
    expect(rows.filter((row) => alive.has(row.uid))).to.deep.equal([]);
    const again = await exchange(instances[0].url, victim.refreshToken);
    expect(again.response.status).to.equal(400);
    expect(again.json.error).to.equal('invalid_request');
  });
});
