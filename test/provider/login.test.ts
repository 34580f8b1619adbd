import { expect } from 'chai';
import * as client from 'openid-client';

import { appLogin, DEMO } from '../support/clients.ts';
import { startTestProvider, type TestProvider } from '../support/provider.ts';

describe('code flow with PKCE through the login form', () => {
  let provider: TestProvider;

  before(async () => {
    provider = await startTestProvider();
  });

  after(async () => {
    await provider.close();
  });

  it('gives the public native client ID, access and refresh tokens', async () => {
    const { config, tokens } = await appLogin(provider.url, DEMO.alice);
    expect(tokens.id_token).to.be.a('string');
    expect(tokens.refresh_token).to.be.a('string');
    const sub = tokens.claims()!.sub;
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, sub);
    expect(userinfo.preferred_username).to.equal('alice');
    expect(userinfo.email).to.equal('alice@example.com');
  });

  it('refreshes with the refresh_token grant', async () => {
    const { config, tokens } = await appLogin(provider.url, DEMO.alice);
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).to.be.a('string').and.not.equal(tokens.access_token);
  });
});
