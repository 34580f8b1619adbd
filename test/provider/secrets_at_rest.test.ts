import { createHash } from 'node:crypto';

import { expect } from 'chai';
import * as client from 'openid-client';

import { appClient, authorizationRequest, DEMO, finishLogin } from '../support/clients.ts';
import { capturedLogs } from '../support/logs.ts';
import { startTestProvider, type TestProvider } from '../support/provider.ts';
import { formAction, UserAgent } from '../support/user_agent.ts';

/** Every value of a whole login that must never be stored or logged in clear. */
interface LoginSecrets {
  values: Record<string, string>;
  /** The database while the login page was shown, and that page's interaction cookie. */
  dumpDuringLogin: string;
  interactionDuringLogin: string;
}

/** Logs the app in through the form and uses every token once; collects each secret value. */
async function loginCollectingSecrets(provider: TestProvider): Promise<LoginSecrets> {
  const config = await appClient(provider.url);
  const agent = new UserAgent(provider.url);
  const pending = await authorizationRequest(config, {
    redirect_uri: DEMO.app.redirectUri,
    scope: 'openid profile email offline_access',
    prompt: 'consent',
  });
  const page = await agent.go(pending.url);
  const interactionCookies = Object.fromEntries(agent.jar.cookies);
  const dumpDuringLogin = await dumpDatabase(provider);
  const interactionDuringLogin = agent.jar.cookies.get('_interaction')!;
  const html = await page.response.text();
  const callback = await agent.go(formAction(html, page.url), { form: { ...DEMO.alice } });
  const code = callback.location!.searchParams.get('code')!;
  const tokens = await finishLogin(config, pending, callback.location!);
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
  await client.fetchUserInfo(config, refreshed.access_token, tokens.claims()!.sub);
  const cookies = { ...interactionCookies, ...Object.fromEntries(agent.jar.cookies) };
  return {
    dumpDuringLogin,
    interactionDuringLogin,
    values: {
      password: DEMO.alice.password,
      code,
      codeVerifier: pending.verifier,
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token!,
      idToken: tokens.id_token!,
      refreshedAccessToken: refreshed.access_token,
      refreshedRefreshToken: refreshed.refresh_token!,
      ...Object.fromEntries(
        Object.entries(cookies).map(([name, value]) => [`cookie ${name}`, value]),
      ),
    },
  };
}

function expectNoSecret(text: string, secrets: LoginSecrets): void {
  for (const [name, value] of Object.entries(secrets.values)) {
    expect(value.length, name).to.be.greaterThan(3);
    expect(text.includes(value), `${name} appears`).to.equal(false);
  }
}

/** Every row of every table of the public schema, as text. */
async function dumpDatabase(provider: TestProvider): Promise<string> {
  const { knex } = provider.database;
  const tables: { table_name: string }[] = await knex('information_schema.tables')
    .where({ table_schema: 'public', table_type: 'BASE TABLE' })
    .select('table_name');
  const lines: string[] = [];
  for (const { table_name } of tables) {
    const result = await knex.raw(`select t::text as row from "${table_name}" t`);
    lines.push(...result.rows.map((row: { row: string }) => `${table_name}: ${row.row}`));
  }
  return lines.join('\n');
}

describe('secrets of a whole login', () => {
  let provider: TestProvider;
  let secrets: LoginSecrets;
  let logs: string;

  before(async () => {
    provider = await startTestProvider();
    const firstLine = capturedLogs.length;
    secrets = await loginCollectingSecrets(provider);
    logs = capturedLogs.slice(firstLine).join('\n');
  });

  after(async () => {
    await provider.close();
  });

  it('collects the session cookie among the secrets it checks', () => {
    expect(Object.keys(secrets.values)).to.include.members([
      'cookie _session',
      'cookie _interaction',
    ]);
  });

  it('stores no raw token, code, session cookie value or password in any table', async () => {
    const dump = await dumpDatabase(provider);
    expect(dump).to.include('oidc_models: ');
    expect(dump).to.include('accounts: ');
    expectNoSecret(dump, secrets);
  });

  it('stores no interaction cookie value while the login page is shown', () => {
    const interaction = secrets.interactionDuringLogin;
    expect(interaction).to.have.length.greaterThan(20);
    expect(secrets.dumpDuringLogin).to.include('Interaction');
    expect(secrets.dumpDuringLogin.includes(interaction)).to.equal(false);
  });

  it('stores the opaque tokens only as their SHA-256', async () => {
    const dump = await dumpDatabase(provider);
    const digest = createHash('sha256').update(secrets.values.refreshToken!).digest('hex');
    expect(dump).to.include(digest);
  });

  it('logs one line per request and none of the secret values', () => {
    expect(logs).to.include('"event":"request"');
    expect(logs).to.include('"route":"/token"');
    expectNoSecret(logs, secrets);
  });
});
