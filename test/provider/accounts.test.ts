import { expect } from 'chai';
import * as client from 'openid-client';

import { seedAccounts } from '../../provider/accounts.ts';
import {
  appLogin,
  authorizationRequest,
  DEMO,
  loginThroughForm,
  websiteClient,
} from '../support/clients.ts';
import { startTestProvider, type TestProvider } from '../support/provider.ts';
import { UserAgent } from '../support/user_agent.ts';

async function accountRows(provider: TestProvider) {
  return provider.database.knex('accounts').orderBy('username').select('*');
}

describe('accounts', () => {
  let provider: TestProvider;

  before(async () => {
    provider = await startTestProvider();
  });

  after(async () => {
    await provider.close();
  });

  it('seeds the configured accounts with scrypt hashes, never the password', async () => {
    const rows = await accountRows(provider);
    expect(rows.map((row) => row.username)).to.deep.equal(['alice', 'bob']);
    for (const row of rows) {
      expect(row.password_hash).to.match(/^scrypt\$/);
      expect(row.password_hash).not.to.include(row.username === 'alice' ? 'wonderland' : 'builder');
    }
  });

  it('changes nothing when the same accounts are seeded again', async () => {
    const before = await accountRows(provider);
    await seedAccounts(provider.database.knex, provider.config.accounts);
    expect(await accountRows(provider)).to.deep.equal(before);
  });

  it('updates claims and passwords of an existing account in place', async () => {
    const [alice] = await accountRows(provider);
    const seeds = provider.config.accounts.map((seed) =>
      seed.username === 'alice' ? { ...seed, claims: { ...seed.claims, name: 'Alice L.' } } : seed,
    );
    await seedAccounts(provider.database.knex, seeds);
    const [updated] = await accountRows(provider);
    expect(updated.id).to.equal(alice.id);
    expect(updated.claims.name).to.equal('Alice L.');
    expect(updated.password_hash).to.equal(alice.password_hash);
    await seedAccounts(provider.database.knex, provider.config.accounts);
  });

  it('refuses a disabled account at the login form and at the refresh grant', async () => {
    const app = await appLogin(provider.url, DEMO.bob);
    await provider.database.knex('accounts').where({ username: 'bob' }).update({ disabled: true });

    const config = await websiteClient(provider.url);
    const pending = await authorizationRequest(config, { redirect_uri: DEMO.website.redirectUri });
    const page = await loginThroughForm(new UserAgent(provider.url), pending, DEMO.bob);
    expect(page.response.status).to.equal(401);
    expect(page.location).to.equal(undefined);
    expect(await page.response.text()).to.include('Wrong username or password.');

    const error = await client
      .refreshTokenGrant(app.config, app.tokens.refresh_token!)
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(client.ResponseBodyError);
    expect((error as client.ResponseBodyError).error).to.equal('invalid_grant');
  });
});
