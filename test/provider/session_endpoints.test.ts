import { expect } from 'chai';
import * as client from 'openid-client';

import {
  appLogin,
  authorizationRequest,
  DEMO,
  finishLogin,
  loginThroughForm,
  websiteClient,
} from '../support/clients.ts';
import { startTestProvider, type TestProvider } from '../support/provider.ts';
import { formAction, UserAgent } from '../support/user_agent.ts';

/** The hidden inputs of the first form on a page, as a form body. */
function hiddenInputs(html: string): Record<string, string> {
  const inputs = [...html.matchAll(/<input[^>]*type="hidden"[^>]*>/g)].map((m) => m[0]);
  return Object.fromEntries(
    inputs.map((input) => [/name="([^"]+)"/.exec(input)![1]!, /value="([^"]*)"/.exec(input)![1]!]),
  );
}

async function websiteLogin(provider: TestProvider) {
  const config = await websiteClient(provider.url);
  const agent = new UserAgent(provider.url);
  const pending = await authorizationRequest(config, { redirect_uri: DEMO.website.redirectUri });
  const callback = await loginThroughForm(agent, pending, DEMO.alice);
  const tokens = await finishLogin(config, pending, callback.location!);
  return { config, agent, tokens };
}

async function silentLogin(provider: TestProvider, agent: UserAgent) {
  const config = await websiteClient(provider.url);
  const pending = await authorizationRequest(config, {
    redirect_uri: DEMO.website.redirectUri,
    prompt: 'none',
  });
  return (await agent.go(pending.url)).location!;
}

describe('GET /session/end, RP-initiated logout', () => {
  let provider: TestProvider;

  before(async () => {
    provider = await startTestProvider();
  });

  after(async () => {
    await provider.close();
  });

  it('asks, then ends the browser session and returns to the client with its state', async () => {
    const { config, agent, tokens } = await websiteLogin(provider);
    expect((await silentLogin(provider, agent)).searchParams.get('code')).to.be.a('string');

    const url = client.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: 'http://localhost:4000/',
      state: 'after-logout',
    });
    const confirmation = await agent.go(url);
    expect(confirmation.response.status).to.equal(200);
    const html = await confirmation.response.text();
    expect(html).to.include('Sign out?');
    const done = await agent.go(formAction(html, confirmation.url), {
      form: { ...hiddenInputs(html), logout: 'yes' },
    });
    expect(done.location?.origin).to.equal('http://localhost:4000');
    expect(done.location?.searchParams.get('state')).to.equal('after-logout');

    const after = await silentLogin(provider, agent);
    expect(after.searchParams.get('error')).to.equal('login_required');
  });
});

describe('POST /token/revocation and POST /token/introspection', () => {
  let provider: TestProvider;

  before(async () => {
    provider = await startTestProvider();
  });

  after(async () => {
    await provider.close();
  });

  it('introspects an active access token for the confidential client', async () => {
    const { config, tokens } = await websiteLogin(provider);
    const introspection = await client.tokenIntrospection(config, tokens.access_token);
    expect(introspection.active).to.equal(true);
    expect(introspection.client_id).to.equal(DEMO.website.clientId);
    expect(introspection.sub).to.equal(tokens.claims()!.sub);
  });

  it('answers active false for an unknown token', async () => {
    const config = await websiteClient(provider.url);
    const introspection = await client.tokenIntrospection(config, 'not-a-token');
    expect(introspection.active).to.equal(false);
  });

  it('revokes an access token so that introspection shows it inactive', async () => {
    const { config, tokens } = await websiteLogin(provider);
    await client.tokenRevocation(config, tokens.access_token);
    const introspection = await client.tokenIntrospection(config, tokens.access_token);
    expect(introspection.active).to.equal(false);
  });

  it('revokes the app refresh token so that refreshing fails with invalid_grant', async () => {
    const { config, tokens } = await appLogin(provider.url, DEMO.alice);
    await client.tokenRevocation(config, tokens.refresh_token!);
    const error = await client.refreshTokenGrant(config, tokens.refresh_token!).catch((e) => e);
    expect(error).to.be.instanceOf(client.ResponseBodyError);
    expect(error.status).to.equal(400);
    expect(error.error).to.equal('invalid_grant');
  });

  it('lets no client introspect or revoke a token issued to another client', async () => {
    const app = await appLogin(provider.url, DEMO.alice);
    const website = await websiteClient(provider.url);
    const introspection = await client.tokenIntrospection(website, app.tokens.access_token);
    expect(introspection.active).to.equal(false);
    await client.tokenRevocation(website, app.tokens.refresh_token!);
    const refreshed = await client.refreshTokenGrant(app.config, app.tokens.refresh_token!);
    expect(refreshed.access_token).to.be.a('string');
  });
});
