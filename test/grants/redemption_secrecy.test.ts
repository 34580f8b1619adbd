import { expect } from 'chai';

import { authorizationRequest, DEMO, loginThroughForm } from '../support/clients.ts';
import { handoverLogin, mintLoginHintToken, useHandoverStage } from '../support/handover.ts';
import { capturedLogs } from '../support/logs.ts';
import { UserAgent } from '../support/user_agent.ts';

describe('login_hint_token secrecy and single use at /auth', () => {
  const stage = useHandoverStage();

  async function storedText(): Promise<string> {
    const knex = stage.provider.database.knex;
    const models = await knex('oidc_models').select('payload');
    const audit = await knex('audit_events').select('*');
    return JSON.stringify([models, audit]);
  }

  it('keeps the raw token out of interactions, stored rows and log lines', async () => {
    const stepUp = await mintLoginHintToken(stage.provider, stage.refreshToken, {
      ageSeconds: 600,
    });
    await handoverLogin(new UserAgent(stage.provider.url), stage.website, {
      redirect_uri: DEMO.website.redirectUri,
      login_hint_token: stepUp,
      max_age: '60',
    });

    const bobsBrowser = new UserAgent(stage.provider.url);
    const bobLogin = await authorizationRequest(stage.website, {
      redirect_uri: DEMO.website.redirectUri,
    });
    await loginThroughForm(bobsBrowser, bobLogin, DEMO.bob);
    const switching = await mintLoginHintToken(stage.provider, stage.refreshToken);
    const { hop } = await handoverLogin(bobsBrowser, stage.website, {
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
    const token = await mintLoginHintToken(stage.provider, stage.refreshToken);
    const attempts = await Promise.all(
      [1, 2].map(() =>
        handoverLogin(new UserAgent(stage.provider.url), stage.website, {
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
