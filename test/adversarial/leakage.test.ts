import { expect } from 'chai';

import { everyPostgres, sharedPostgres, skipWithoutPostgres } from '../support/adversarial.ts';
import { DEMO } from '../support/clients.ts';
import { type Cluster, processLogs, processStdout, startCluster } from '../support/cluster.ts';
import {
  type AppSession,
  authorizationQuery,
  exchange,
  mintToken,
  redeem,
  signInApp,
} from '../support/handover_http.ts';
import { query } from '../support/inspect.ts';
import { dumpEveryDatabase, findSecrets } from '../support/leaks.ts';
import { capturedLogs } from '../support/logs.ts';
import type { PostgresServer } from '../support/postgres.ts';
import { type RawResponse, send, setCookies } from '../support/raw_http.ts';
import { createdSecrets, rememberSecret } from '../support/secrets.ts';

function isJsonObject(line: string): boolean {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null;
  } catch {
    return false;
  }
}

function everyLogLine(): string[] {
  return [...processLogs, ...capturedLogs];
}

function form(fields: Record<string, string>) {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  };
}

/** A website pushing its authorization request with the token (PAR), then the browser. */
async function pushedRedemption(instanceUrl: string, token: string): Promise<RawResponse> {
  const pushed = await send({
    url: `${instanceUrl}/request`,
    ...form({
      ...Object.fromEntries(authorizationQuery({ login_hint_token: token })),
      client_secret: DEMO.website.secret,
    }),
  });
  const { request_uri: requestUri } = JSON.parse(pushed.body) as { request_uri?: string };
  expect(pushed.status, pushed.body).to.equal(201);
  const query = new URLSearchParams({ client_id: DEMO.website.clientId, request_uri: requestUri! });
  return send({ url: `${instanceUrl}/auth?${query}` });
}

/** The login page a browser reaches when the website asks for a fresh login. */
async function loginPage(instanceUrl: string): Promise<RawResponse> {
  const started = await send({
    url: `${instanceUrl}/auth?${authorizationQuery({ prompt: 'login' })}`,
  });
  const cookie = [...setCookies(started)].map(([name, value]) => `${name}=${value}`).join('; ');
  return send({ url: started.location!, headers: { cookie } });
}

/** Responses of every kind the provider gives, from both instances. */
async function sampleResponses(cluster: Cluster, app: AppSession): Promise<RawResponse[]> {
  const [a, b] = cluster.instances;
  const token = await mintToken(a.url, app.refreshToken);
  const page = await loginPage(a.url);
  expect(page.body).to.include('password');
  return [
    (await exchange(a.url, app.refreshToken)).response,
    (await exchange(b.url, 'not-a-token')).response,
    (await redeem(b.url, token)).response,
    (await redeem(a.url, token)).response,
    page,
    await send({ url: `${a.url}/auth` }),
    await send({ url: `${b.url}/.well-known/openid-configuration` }),
    await send({ url: `${b.url}/jwks` }),
    await send({ url: `${a.url}/session/end` }),
    await send({ url: `${a.url}/token/revocation`, ...form({ token: 'x', client_id: 'nobody' }) }),
    await send({ url: `${a.url}/request`, ...form({ client_id: DEMO.website.clientId }) }),
    await send({ url: `${b.url}/healthz` }),
    await send({ url: `${b.url}/readyz` }),
    await send({ url: `${b.url}/no-such-page` }),
  ];
}

async function expectNoSecretAnywhere(): Promise<void> {
  const secrets = [...createdSecrets];
  expect(secrets.length).to.be.greaterThan(0);
  expect(findSecrets(everyLogLine(), secrets), 'secrets in log lines').to.deep.equal([]);
  for (const server of everyPostgres()) {
    const dump = await dumpEveryDatabase(server);
    expect(findSecrets(dump, secrets), 'secrets in database rows').to.deep.equal([]);
  }
}

describe('leakage: tokens, codes, cookies and passwords stay secret', function () {
  this.timeout(60_000);
  let server: PostgresServer;
  let cluster: Cluster;
  let app: AppSession;

  before(async function () {
    skipWithoutPostgres(this);
    server = await sharedPostgres();
    cluster = await startCluster({ databaseUrl: await server.createDatabase('leakage') });
    app = await signInApp(cluster.issuer);
  });

  after(async () => {
    await cluster?.close();
  });

  it('sends Referrer-Policy: no-referrer on every response', async () => {
    for (const response of await sampleResponses(cluster, app)) {
      expect(response.headers['referrer-policy'], `status ${response.status}`).to.equal(
        'no-referrer',
      );
    }
  });

  it('sends Cache-Control: no-store where a token is issued or consumed, and on pages', async () => {
    const [a, b] = cluster.instances;
    const issued = await exchange(a.url, app.refreshToken);
    const refused = await exchange(a.url, 'not-a-token');
    const consumed = await redeem(b.url, issued.token!);
    const page = await send({ url: `${a.url}/auth` });
    for (const response of [issued.response, refused.response, consumed.response, page]) {
      expect(response.headers['cache-control'], `status ${response.status}`).to.include('no-store');
    }
  });

  it('puts no token into the URLs the browser is sent on to', async () => {
    const [a] = cluster.instances;
    const token = await mintToken(a.url, app.refreshToken);
    const query = authorizationQuery({ prompt: 'login', login_hint_token: token });
    const response = await send({ url: `${a.url}/auth?${query}` });
    expect(response.location?.toString()).not.to.include(token);
    const redeemed = await redeem(a.url, await mintToken(a.url, app.refreshToken));
    expect(redeemed.response.location?.toString() ?? '').not.to.include('login_hint_token');
  });

  it('keeps a pushed login_hint_token out of stored request parameters', async () => {
    const [a, b] = cluster.instances;
    const token = await mintToken(a.url, app.refreshToken);
    const response = await pushedRedemption(b.url, token);
    expect(response.location?.searchParams.has('code')).to.equal(true);
    rememberSecret(response.location?.searchParams.get('code') ?? undefined);
    expect(findSecrets(await dumpEveryDatabase(server), [token])).to.deep.equal([]);
  });

  it('finds a secret planted in a row or a log line (the search itself works)', async () => {
    const planted = `ohlht_planted_${Date.now()}`;
    const databaseUrl = await server.createDatabase('planted');
    await query(databaseUrl, 'create table planted (value text)');
    await query(databaseUrl, 'insert into planted values ($1)', [planted]);
    expect(findSecrets(await dumpEveryDatabase(server), [planted])).to.have.length(1);
    expect(findSecrets([`{"token":"${planted}"}`], [planted])).to.have.length(1);
    await query(server.url(), `drop database ${new URL(databaseUrl).pathname.slice(1)}`);
  });

  it('writes no secret created so far into any log line or database row', async () => {
    await expectNoSecretAnywhere();
  });

  it('logs every event of every provider process as one JSON object per line', () => {
    // stderr is left to the runtime and libraries (oidc-provider prints notices there).
    const unstructured = processStdout.filter((line) => !isJsonObject(line));
    expect(unstructured.slice(0, 5)).to.deep.equal([]);
    expect(processStdout.length).to.be.greaterThan(0);
  });
});

// A root-level hook: it runs once, after every test file, so it covers the whole run.
after('no secret of the whole run in any log line or database row', async () => {
  if (createdSecrets.size === 0) {
    return;
  }
  await expectNoSecretAnywhere();
});
