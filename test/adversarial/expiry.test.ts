import { expect } from 'chai';

import { sharedPostgres, skipWithoutPostgres } from '../support/adversarial.ts';
import { type Cluster, startCluster } from '../support/cluster.ts';
import {
  type AppSession,
  exchange,
  mintToken,
  redeem,
  signInApp,
} from '../support/handover_http.ts';
import { query } from '../support/inspect.ts';

const TTL_SECONDS = 2;
const TEN_MINUTES_MS = 10 * 60 * 1000;

describe('expiry: decided by the database clock, not the instance clocks', function () {
  this.timeout(60_000);
  let cluster: Cluster;
  let databaseUrl: string;
  let app: AppSession;

  before(async function () {
    skipWithoutPostgres(this);
    const server = await sharedPostgres();
    databaseUrl = await server.createDatabase('expiry');
    // The issuer's instance runs ten minutes slow, the other ten minutes fast.
    cluster = await startCluster({
      databaseUrl,
      clockSkewMs: [-TEN_MINUTES_MS, TEN_MINUTES_MS],
      configure: (json) => {
        Object.assign(json.handover as object, { ttl: TTL_SECONDS, exchangesPerMinute: 0 });
      },
    });
    app = await signInApp(cluster.issuer);
  });

  after(async () => {
    await cluster?.close();
  });

  it('announces the configured lifetime and stores it as database time', async () => {
    const result = await exchange(cluster.instances[0].url, app.refreshToken);
    expect(result.json.expires_in).to.equal(TTL_SECONDS);
    const rows = await query<{ lifetime: number }>(
      databaseUrl,
      'select extract(epoch from expires_at - created_at)::float as lifetime ' +
        'from login_hint_tokens',
    );
    expect(rows.map((row) => row.lifetime)).to.deep.equal([TTL_SECONDS]);
  });

  it('accepts a fresh token on an instance whose clock runs ten minutes fast', async () => {
    const [slow, fast] = cluster.instances;
    const fromFast = await mintToken(fast.url, app.refreshToken);
    expect((await redeem(fast.url, fromFast)).code).to.be.a('string');
    const fromSlow = await mintToken(slow.url, app.refreshToken);
    expect((await redeem(fast.url, fromSlow)).code).to.be.a('string');
  });

  it('refuses an expired token on an instance whose clock runs ten minutes slow', async () => {
    const [slow] = cluster.instances;
    const token = await mintToken(slow.url, app.refreshToken);
    await new Promise((resolve) => setTimeout(resolve, TTL_SECONDS * 1000 + 1_000));
    const result = await redeem(slow.url, token);
    expect(result.code).to.equal(undefined);
    expect(result.error).to.equal('login_required');
    const rows = await query<{ reason: string }>(
      databaseUrl,
      "select reason from audit_events where event = 'redemption.refused' order by id desc limit 1",
    );
    expect(rows[0]?.reason).to.match(/expired/);
  });
});
