import { expect } from 'chai';
import type * as client from 'openid-client';
import { hashId } from '../../provider/storage/hash.ts';
import {
  appLogin,
  authorizationRequest,
  DEMO,
  finishLogin,
  loginThroughForm,
  websiteClient,
} from '../support/clients.ts';
import {
  handoverLogin,
  lastAuditReason,
  mintLoginHintToken,
  submitHiddenForm,
} from '../support/handover.ts';
import { startTestProvider, type TestProvider } from '../support/provider.ts';
import { formAction, type Hop, UserAgent } from '../support/user_agent.ts';

describe('GET /auth with a login_hint_token while another account is signed in', () => {
  let provider: TestProvider;
  let website: client.Configuration;

  before(async () => {
    provider = await startTestProvider();
    website = await websiteClient(provider.url);
  });

  after(async () => {
    await provider.close();
  });

  /** A browser where bob signed in at the second website, and a token for alice. */
  async function bobsBrowserWithAlicesToken() {
    const browser = new UserAgent(provider.url);
    const second = await websiteClient(provider.url, DEMO.website2);
    const bobLogin = await authorizationRequest(second, {
      redirect_uri: DEMO.website2.redirectUri,
    });
    await loginThroughForm(browser, bobLogin, DEMO.bob);
    const app = await appLogin(provider.url, DEMO.alice);
    const token = await mintLoginHintToken(provider, app.tokens.refresh_token!, {
      ageSeconds: 120,
    });
    return { browser, token, aliceAuthTime: app.tokens.claims()!.auth_time! - 120 };
  }

  async function answer(browser: UserAgent, page: Hop, index: number): Promise<Hop> {
    const html = await page.response.text();
    return browser.go(formAction(html, page.url, index), { method: 'POST', form: {} });
  }

  it('asks before switching and never shows a password field', async () => {
    const { browser, token } = await bobsBrowserWithAlicesToken();
    const { hop } = await handoverLogin(browser, website, {
      redirect_uri: DEMO.website.redirectUri,
      login_hint_token: token,
    });
    const html = await hop.response.clone().text();
    expect(hop.url.pathname).to.match(/^\/interaction\//);
    expect(html).to.include('Switch account?').and.include('bob').and.include('alice');
    expect(html).to.not.include('type="password"');
    expect(html).to.not.include(token);
  });

  it('answers prompt=none with login_required and keeps the token', async () => {
    const { browser, token } = await bobsBrowserWithAlicesToken();
    const { hop } = await handoverLogin(browser, website, {
      redirect_uri: DEMO.website.redirectUri,
      login_hint_token: token,
      prompt: 'none',
    });
    expect(hop.location?.searchParams.get('error')).to.equal('login_required');
    expect(await lastAuditReason(provider.database.knex, 'redemption.refused')).to.equal(
      'account_switch_pending',
    );
    const fresh = await handoverLogin(new UserAgent(provider.url), website, {
      redirect_uri: DEMO.website.redirectUri,
      login_hint_token: token,
      prompt: 'none',
    });
    expect(fresh.hop.location?.searchParams.get('code')).to.be.a('string');
  });

  it('switches to the token account with its original login on confirmation', async () => {
    const { browser, token, aliceAuthTime } = await bobsBrowserWithAlicesToken();
    const { hop, pending } = await handoverLogin(browser, website, {
      redirect_uri: DEMO.website.redirectUri,
      login_hint_token: token,
    });
    // The provider ends bob's session through its own logout form, then resumes for alice.
    const logoutForm = await answer(browser, hop, 0);
    const callback = await submitHiddenForm(browser, logoutForm);
    const tokens = await finishLogin(website, pending, callback.location!);
    expect(tokens.claims()!.auth_time).to.equal(aliceAuthTime);
    const { knex } = provider.database;
    expect(await lastAuditReason(knex, 'redemption.accepted')).to.equal('account_switched');
    const row = await knex('login_hint_tokens')
      .whereNotNull('consumed_at')
      .orderBy('consumed_at', 'desc')
      .first();
    expect(row.session_created).to.equal(true);
    expect(row.session_uid).to.be.a('string');

    const app = await appLogin(provider.url, DEMO.alice);
    const sub = app.tokens.claims()!.sub;
    expect(tokens.claims()!.sub).to.equal(sub);
  });

  it('keeps the current account on decline and goes on as ordinary SSO', async () => {
    const { browser, token } = await bobsBrowserWithAlicesToken();
    const { hop, pending } = await handoverLogin(browser, website, {
      redirect_uri: DEMO.website.redirectUri,
      login_hint_token: token,
    });
    const callback = await answer(browser, hop, 1);
    const tokens = await finishLogin(website, pending, callback.location!);
    const bob = await appLogin(provider.url, DEMO.bob);
    expect(tokens.claims()!.sub).to.equal(bob.tokens.claims()!.sub);
    expect(await lastAuditReason(provider.database.knex, 'redemption.refused')).to.equal(
      'account_switch_declined',
    );
  });

  it('keeps the current account when the token expired on the confirmation page', async () => {
    const { browser, token } = await bobsBrowserWithAlicesToken();
    const { hop, pending } = await handoverLogin(browser, website, {
      redirect_uri: DEMO.website.redirectUri,
      login_hint_token: token,
    });
    const { knex } = provider.database;
    await knex('login_hint_tokens')
      .where('id_hash', hashId(token))
      .update({ expires_at: knex.raw("now() - interval '1 second'") });

    const callback = await answer(browser, hop, 0);
    const tokens = await finishLogin(website, pending, callback.location!);
    const bob = await appLogin(provider.url, DEMO.bob);
    expect(tokens.claims()!.sub).to.equal(bob.tokens.claims()!.sub);
    expect(await lastAuditReason(knex, 'redemption.refused')).to.equal('expired');
  });
});
