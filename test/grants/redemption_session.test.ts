import { expect } from 'chai';

import {
  appLogin,
  authorizationRequest,
  DEMO,
  finishLogin,
  websiteClient,
} from '../support/clients.ts';
import { handoverLogin, lastAuditReason, mintLoginHintToken } from '../support/handover.ts';
import { startTestProvider, type TestProvider } from '../support/provider.ts';
import { UserAgent } from '../support/user_agent.ts';

describe('GET /auth with login_hint_token, the browser session', () => {
  let provider: TestProvider;

  before(async () => {
    provider = await startTestProvider();
  });

  after(async () => {
    await provider.close();
  });

  it('returns a code under prompt=none and asserts the original auth_time, amr and acr', async () => {
    const app = await appLogin(provider.url, DEMO.alice);
    const original = app.tokens.claims()!;
    // An app login from ten minutes ago: the website must see that time, not the redemption's.
    const token = await mintLoginHintToken(provider, app.tokens.refresh_token!, {
      ageSeconds: 600,
    });
    const website = await websiteClient(provider.url);
    const browser = new UserAgent(provider.url);

    const { hop, pending } = await handoverLogin(browser, website, {
      redirect_uri: DEMO.website.redirectUri,
      prompt: 'none',
      login_hint_token: token,
    });

    expect(hop.location?.searchParams.get('code')).to.be.a('string');
    const tokens = await finishLogin(website, pending, hop.location!);
    const claims = tokens.claims()!;
    expect(original.amr).to.deep.equal(['pwd']);
    expect(claims.sub).to.equal(original.sub);
    expect(claims.auth_time).to.equal(original.auth_time! - 600);
    expect(claims.amr).to.deep.equal(original.amr);
    expect(claims.acr).to.equal(original.acr);
    expect(await lastAuditReason(provider.database.knex, 'redemption.accepted')).to.equal(
      'session_created',
    );
  });

  it('gives the new session SSO at a second website without any token', async () => {
    const app = await appLogin(provider.url, DEMO.alice);
    const token = await mintLoginHintToken(provider, app.tokens.refresh_token!);
    const browser = new UserAgent(provider.url);
    const website = await websiteClient(provider.url);
    await handoverLogin(browser, website, {
      redirect_uri: DEMO.website.redirectUri,
      prompt: 'none',
      login_hint_token: token,
    });
    expect(browser.jar.cookies.has('_session')).to.equal(true);

    const second = await websiteClient(provider.url, DEMO.website2);
    const pending = await authorizationRequest(second, {
      redirect_uri: DEMO.website2.redirectUri,
      prompt: 'none',
    });
    const hop = await browser.go(pending.url);
    const tokens = await finishLogin(second, pending, hop.location!);
    expect(tokens.claims()!.auth_time).to.equal(app.tokens.claims()!.auth_time);
  });

  it('keeps a session that belongs to the same account and consumes the token', async () => {
    const app = await appLogin(provider.url, DEMO.bob);
    const token = await mintLoginHintToken(provider, app.tokens.refresh_token!);
    const website = await websiteClient(provider.url);
    // The app's own browser already holds bob's session from the app login.
    const { hop } = await handoverLogin(app.agent, website, {
      redirect_uri: DEMO.website.redirectUri,
      prompt: 'none',
      login_hint_token: token,
    });
    expect(hop.location?.searchParams.get('code')).to.be.a('string');
    expect(await lastAuditReason(provider.database.knex, 'redemption.accepted')).to.equal(
      'session_reused',
    );
  });

  it('gives a fresh session cookie value when the browser sent an unknown one', async () => {
    const app = await appLogin(provider.url, DEMO.alice);
    const token = await mintLoginHintToken(provider, app.tokens.refresh_token!);
    const website = await websiteClient(provider.url);
    const browser = new UserAgent(provider.url);
    browser.jar.cookies.set('_session', 'planted-by-an-attacker');
    const { hop } = await handoverLogin(browser, website, {
      redirect_uri: DEMO.website.redirectUri,
      prompt: 'none',
      login_hint_token: token,
    });
    expect(hop.location?.searchParams.get('code')).to.be.a('string');
    expect(browser.jar.cookies.get('_session')).to.not.equal('planted-by-an-attacker');
  });
});
