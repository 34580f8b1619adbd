import { expect } from 'chai';

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
  useHandoverStage,
} from '../support/handover.ts';
import { startTestProvider, type TestProvider } from '../support/provider.ts';
import { UserAgent } from '../support/user_agent.ts';

describe('GET /auth with a login_hint_token that is not enough for the request', () => {
  const stage = useHandoverStage();

  async function expectRealLogin(params: Record<string, string>, reason: string) {
    const token = await mintLoginHintToken(stage.provider, stage.refreshToken, { ageSeconds: 600 });
    const base = { redirect_uri: DEMO.website.redirectUri, login_hint_token: token, ...params };

    if (params.prompt === undefined) {
      const silent = await handoverLogin(new UserAgent(stage.provider.url), stage.website, {
        ...base,
        prompt: 'none',
      });
      expect(silent.hop.location?.searchParams.get('error')).to.equal('login_required');
    }

    const { hop } = await handoverLogin(new UserAgent(stage.provider.url), stage.website, base);
    const html = await hop.response.text();
    expect(hop.url.pathname).to.match(/^\/interaction\//);
    expect(html).to.include('name="password"').and.include('value="alice"');
    expect(await lastAuditReason(stage.provider.database.knex, 'redemption.refused')).to.equal(
      reason,
    );

    // Not consumed: the same token still serves a request it is enough for.
    const enough = await handoverLogin(new UserAgent(stage.provider.url), stage.website, {
      redirect_uri: DEMO.website.redirectUri,
      login_hint_token: token,
      prompt: 'none',
    });
    expect(enough.hop.location?.searchParams.get('code')).to.be.a('string');
  }

  it('asks for a real login when max_age is older than the original login', async () => {
    await expectRealLogin({ max_age: '300' }, 'step_up_max_age');
  });

  it('asks for a real login under prompt=login', async () => {
    await expectRealLogin({ prompt: 'login' }, 'step_up_prompt_login');
  });

  it('asks for a real login when acr_values are not met by the original acr', async () => {
    await expectRealLogin({ acr_values: 'urn:oidc-handover:loa:2' }, 'step_up_acr_values');
  });

  it('asks for a real login when an essential acr claim is not met', async () => {
    const claims = { id_token: { acr: { essential: true, value: 'urn:oidc-handover:loa:2' } } };
    await expectRealLogin({ claims: JSON.stringify(claims) }, 'step_up_essential_acr');
  });

  it('asks for a real login when id_token_hint names another subject', async () => {
    const agent = new UserAgent(stage.provider.url);
    const pending = await authorizationRequest(stage.website, {
      redirect_uri: DEMO.website.redirectUri,
    });
    const callback = await loginThroughForm(agent, pending, DEMO.bob);
    const bobIdToken = (await finishLogin(stage.website, pending, callback.location!)).id_token!;
    await expectRealLogin({ id_token_hint: bobIdToken }, 'step_up_subject');
  });

  it('accepts the token when max_age is met by the original login', async () => {
    const token = await mintLoginHintToken(stage.provider, stage.refreshToken, { ageSeconds: 60 });
    const { hop } = await handoverLogin(new UserAgent(stage.provider.url), stage.website, {
      redirect_uri: DEMO.website.redirectUri,
      login_hint_token: token,
      prompt: 'none',
      max_age: '300',
    });
    expect(hop.location?.searchParams.get('code')).to.be.a('string');
  });

  it('does not let another account answer a request its token could not satisfy', async () => {
    const bob = await appLogin(stage.provider.url, DEMO.bob);
    const token = await mintLoginHintToken(stage.provider, stage.refreshToken, { ageSeconds: 600 });
    const { hop } = await handoverLogin(bob.agent, stage.website, {
      redirect_uri: DEMO.website.redirectUri,
      login_hint_token: token,
      prompt: 'none',
      max_age: '300',
    });
    expect(hop.location?.searchParams.get('error')).to.equal('login_required');
  });
});

describe('GET /auth with acr_values and an existing session', () => {
  let provider: TestProvider;

  before(async () => {
    provider = await startTestProvider();
  });

  after(async () => {
    await provider.close();
  });

  it('refuses silent SSO when the session acr is not among acr_values', async () => {
    const app = await appLogin(provider.url, DEMO.alice);
    const website = await websiteClient(provider.url);
    const pending = await authorizationRequest(website, {
      redirect_uri: DEMO.website.redirectUri,
      prompt: 'none',
      acr_values: 'urn:oidc-handover:loa:2',
    });
    const hop = await app.agent.go(pending.url);
    expect(hop.location?.searchParams.get('error')).to.equal('login_required');
  });

  it('keeps silent SSO when the session acr is among acr_values', async () => {
    const app = await appLogin(provider.url, DEMO.alice);
    const website = await websiteClient(provider.url);
    const pending = await authorizationRequest(website, {
      redirect_uri: DEMO.website.redirectUri,
      prompt: 'none',
      acr_values: 'urn:oidc-handover:loa:2 urn:oidc-handover:loa:1',
    });
    const hop = await app.agent.go(pending.url);
    expect(hop.location?.searchParams.get('code')).to.be.a('string');
  });
});
