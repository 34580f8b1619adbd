import { expect } from 'chai';
import * as client from 'openid-client';

import {
  appClient,
  appLogin,
  authorizationRequest,
  DEMO,
  finishLogin,
  loginThroughForm,
  submitLogin,
  websiteClient,
} from '../support/clients.ts';
import { startTestProvider, type TestProvider } from '../support/provider.ts';
import { formAction, UserAgent } from '../support/user_agent.ts';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** A confidential client that is not first party, so it must ask for consent. */
const THIRD_PARTY = {
  client_id: 'third-party',
  client_secret: 'third-party-secret',
  redirect_uris: ['http://localhost:5000/callback'],
  grant_types: ['authorization_code'],
  response_types: ['code'],
  scope: 'openid profile email',
};

async function openLoginPage(provider: TestProvider, agent: UserAgent) {
  const config = await websiteClient(provider.url);
  const pending = await authorizationRequest(config, { redirect_uri: DEMO.website.redirectUri });
  return agent.go(pending.url);
}

describe('GET /.well-known/openid-configuration', () => {
  let provider: TestProvider;

  before(async () => {
    provider = await startTestProvider();
  });

  after(async () => {
    await provider.close();
  });

  it('lists the endpoints, the grant types and S256 as the only PKCE method', async () => {
    const config = await appClient(provider.url);
    const metadata = config.serverMetadata();
    expect(metadata.issuer).to.equal(provider.url);
    for (const endpoint of [
      'authorization_endpoint',
      'token_endpoint',
      'userinfo_endpoint',
      'jwks_uri',
      'end_session_endpoint',
      'revocation_endpoint',
      'introspection_endpoint',
    ] as const) {
      expect(metadata[endpoint], endpoint).to.match(new RegExp(`^${provider.url}/`));
    }
    expect(metadata.grant_types_supported).to.include.members([
      'authorization_code',
      'refresh_token',
      TOKEN_EXCHANGE,
    ]);
    expect(metadata.code_challenge_methods_supported).to.deep.equal(['S256']);
    expect(metadata.response_types_supported).to.include('code');
  });
});

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
    expect(refreshed.claims()!.sub).to.equal(tokens.claims()!.sub);
  });

  it('refuses an authorization request without PKCE', async () => {
    const config = await appClient(provider.url);
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: DEMO.app.redirectUri,
      scope: 'openid',
      state: 'x',
    });
    const hop = await new UserAgent(provider.url).go(url);
    expect(hop.location?.searchParams.get('error')).to.equal('invalid_request');
    expect(hop.location?.searchParams.get('error_description')).to.match(/PKCE/);
  });

  it('gives exactly one token response for two concurrent redemptions of one code', async () => {
    const config = await websiteClient(provider.url);
    const pending = await authorizationRequest(config, { redirect_uri: DEMO.website.redirectUri });
    const callback = await loginThroughForm(new UserAgent(provider.url), pending, DEMO.alice);
    const results = await Promise.allSettled([
      finishLogin(config, pending, callback.location!),
      finishLogin(config, pending, callback.location!),
    ]);
    const fulfilled = results.filter((result) => result.status === 'fulfilled');
    const rejected = results.filter((result) => result.status === 'rejected');
    expect(fulfilled).to.have.length(1);
    expect(rejected).to.have.length(1);
    const error = rejected[0]!.reason as client.ResponseBodyError;
    expect(error).to.be.instanceOf(client.ResponseBodyError);
    expect(error.status).to.equal(400);
    expect(error.error).to.equal('invalid_grant');
  });
});

describe('POST /interaction/:uid/login, wrong credentials', () => {
  let provider: TestProvider;

  before(async () => {
    provider = await startTestProvider();
  });

  after(async () => {
    await provider.close();
  });

  async function failedLogin(credentials: { username: string; password: string }) {
    const agent = new UserAgent(provider.url);
    const hop = await submitLogin(agent, await openLoginPage(provider, agent), credentials);
    return { agent, hop, body: await hop.response.text() };
  }

  function errorText(body: string): string | undefined {
    return /<p class="error" role="alert">([^<]*)<\/p>/.exec(body)?.[1];
  }

  it('does not sign in with a wrong password', async () => {
    const { agent, hop, body } = await failedLogin({ username: 'alice', password: 'wrong' });
    expect(hop.response.status).to.equal(401);
    expect(hop.location).to.equal(undefined);
    expect(errorText(body)).to.equal('Wrong username or password.');
    expect([...agent.jar.cookies.keys()]).not.to.include('_session');
  });

  it('shows an unknown user the same message as a wrong password', async () => {
    const wrongPassword = await failedLogin({ username: 'alice', password: 'wrong' });
    const unknownUser = await failedLogin({ username: 'mallory', password: 'wrong' });
    expect(unknownUser.hop.response.status).to.equal(wrongPassword.hop.response.status);
    expect(errorText(unknownUser.body)).to.equal(errorText(wrongPassword.body));
  });

  it('slows down repeated failures for one account and IP with 429', async () => {
    const agent = new UserAgent(provider.url);
    let page = await openLoginPage(provider, agent);
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      page = await submitLogin(agent, page, { username: 'bob', password: `guess-${attempt}` });
      expect(page.response.status, `attempt ${attempt}`).to.equal(401);
    }
    const throttled = await submitLogin(agent, page, DEMO.bob);
    expect(throttled.response.status).to.equal(429);
    expect(throttled.location).to.equal(undefined);
    expect(await throttled.response.text()).to.include('Too many failed attempts');
  });

  it('keeps throttling per account: another user from the same IP may still sign in', async () => {
    const agent = new UserAgent(provider.url);
    const config = await websiteClient(provider.url);
    const pending = await authorizationRequest(config, { redirect_uri: DEMO.website.redirectUri });
    const callback = await loginThroughForm(agent, pending, DEMO.alice);
    expect(callback.location?.searchParams.get('code')).to.be.a('string');
  });
});

describe('consent page', () => {
  let provider: TestProvider;

  before(async () => {
    provider = await startTestProvider({
      configure: (json) => {
        (json.clients as unknown[]).push(THIRD_PARTY);
      },
    });
  });

  after(async () => {
    await provider.close();
  });

  it('is skipped for a first_party client', async () => {
    const config = await websiteClient(provider.url);
    const pending = await authorizationRequest(config, { redirect_uri: DEMO.website.redirectUri });
    const callback = await loginThroughForm(new UserAgent(provider.url), pending, DEMO.alice);
    expect(callback.location?.origin).to.equal('http://localhost:4000');
    const tokens = await finishLogin(config, pending, callback.location!);
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    expect(userinfo.email).to.equal('alice@example.com');
  });

  it('is shown to a client that is not first party, and its Allow finishes the login', async () => {
    const config = await client.discovery(
      new URL(provider.url),
      THIRD_PARTY.client_id,
      undefined,
      client.ClientSecretPost(THIRD_PARTY.client_secret),
      { execute: [client.allowInsecureRequests] },
    );
    const agent = new UserAgent(provider.url);
    const pending = await authorizationRequest(config, {
      redirect_uri: THIRD_PARTY.redirect_uris[0]!,
    });
    const consent = await loginThroughForm(agent, pending, DEMO.alice);
    expect(consent.response.status).to.equal(200);
    expect(consent.url.pathname).to.match(/^\/interaction\//);
    const html = await consent.response.text();
    expect(html).to.include('Allow access?');
    const callback = await agent.go(formAction(html, consent.url), { method: 'POST', form: {} });
    expect(callback.location?.origin).to.equal('http://localhost:5000');
    const tokens = await finishLogin(config, pending, callback.location!);
    expect(tokens.access_token).to.be.a('string');
  });
});
