import { expect } from 'chai';
import type * as client from 'openid-client';

import {
  appLogin,
  authorizationRequest,
  DEMO,
  loginThroughForm,
  websiteClient,
} from '../support/clients.ts';
import { handoverLogin, mintLoginHintToken } from '../support/handover.ts';
import { capturedLogs } from '../support/logs.ts';
import { startTestProvider, type TestProvider } from '../support/provider.ts';
import { UserAgent } from '../support/user_agent.ts';

describe('login_hint_token secrecy and single use at /auth', () => {
  let provider: TestProvider;
  let website: client.Configuration;
  let refreshToken: string;

  before(async () => {
    provider = await startTestProvider();
    website = await websiteClient(provider.url);
    refreshToken = (await appLogin(provider.url, DEMO.alice)).tokens.refresh_token!;
  });

  after(async () => {
    await provider.close();
  });

  async function storedText(): Promise<string> {
    const knex = provider.database.knex;
    const models = await knex('oidc_models').select('payload');
    const audit = await knex('audit_events').select('*');
    return JSON.stringify([models, audit]);
  }

  it('keeps the raw token out of interactions, stored rows and log lines', async () => {
    const stepUp = await mintLoginHintToken(provider, refreshToken, { ageSeconds: 600 });
    await handoverLogin(new UserAgent(provider.url), website, {
      redirect_uri: DEMO.website.redirectUri,
      login_hint_token: stepUp,
      max_age: '60',
    });

    const bobsBrowser = new UserAgent(provider.url);
    const bobLogin = await authorizationRequest(website, {
      redirect_uri: DEMO.website.redirectUri,
    });
    await loginThroughForm(bobsBrowser, bobLogin, DEMO.bob);
    const switching = await mintLoginHintToken(provider, refreshToken);
    const { hop } = await handoverLogin(bobsBrowser, website, {
      redirect_uri: DEMO.website.redirectUri,
      login_hint_token: switching,
    });
    expect(hop.url.pathname).to.match(/^\/interaction\//);

    const stored = await storedText();
    const logs = capturedLogs.join('\n');
    for (const token of [stepUp, switching]) {
      expect(stored).to.not.include(token);
      expect(logs).to.not.include(token);
    }
  });

  it('lets only one of two simultaneous redemptions create a session', async () => {
    const token = await mintLoginHintToken(provider, refreshToken);
    const attempts = await Promise.all(
      [1, 2].map(() =>
        handoverLogin(new UserAgent(provider.url), website, {
          redirect_uri: DEMO.website.redirectUri,
          login_hint_token: token,
          prompt: 'none',
        }),
      ),
    );
    const codes = attempts.filter(({ hop }) => hop.location?.searchParams.has('code'));
    expect(codes).to.have.length(1);
  });
});
