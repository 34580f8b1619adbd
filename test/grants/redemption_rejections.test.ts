import { expect } from 'chai';

import { revokeGrant } from '../../provider/storage/adapter.ts';
import { appLogin, authorizationRequest, DEMO, websiteClient } from '../support/clients.ts';
import {
  getFromAddress,
  handoverLogin,
  lastAuditReason,
  mintLoginHintToken,
  useHandoverStage,
} from '../support/handover.ts';
import { startTestProvider, type TestProvider } from '../support/provider.ts';
import { UserAgent } from '../support/user_agent.ts';

describe('GET /auth with an unusable login_hint_token', () => {
  const stage = useHandoverStage();

  async function silentHandover(token: string, agent = new UserAgent(stage.provider.url)) {
    const { hop } = await handoverLogin(agent, stage.website, {
      redirect_uri: DEMO.website.redirectUri,
      prompt: 'none',
      login_hint_token: token,
    });
    return hop;
  }

  async function expectTreatedAsAbsent(token: string, reason: string): Promise<void> {
    const hop = await silentHandover(token);
    expect(hop.response.status).to.equal(303);
    expect(hop.location?.searchParams.get('error')).to.equal('login_required');
    expect(hop.location?.searchParams.get('code')).to.equal(null);
    // The browser learns nothing about why: the reason is only in the audit log.
    expect(hop.location?.search).to.not.include(reason);
    expect(await lastAuditReason(stage.provider.database.knex, 'redemption.refused')).to.equal(
      reason,
    );
  }

  it('ignores an expired token', async () => {
    const token = await mintLoginHintToken(stage.provider, stage.refreshToken, { ttl: -5 });
    await expectTreatedAsAbsent(token, 'expired');
  });

  it('ignores a token addressed to another website', async () => {
    const token = await mintLoginHintToken(stage.provider, stage.refreshToken, {
      audience: DEMO.website2.clientId,
    });
    await expectTreatedAsAbsent(token, 'wrong_audience');
  });

  it('ignores a value that is not a login_hint_token', async () => {
    await expectTreatedAsAbsent('not-a-token', 'malformed');
  });

  it('ignores a well-formed token that was never issued', async () => {
    await expectTreatedAsAbsent(`ohlht_${'A'.repeat(43)}`, 'unknown_token');
  });

  it('ignores a token whose source grant an administrator revoked', async () => {
    const app = await appLogin(stage.provider.url, DEMO.alice);
    const token = await mintLoginHintToken(stage.provider, app.tokens.refresh_token!);
    const stored = await stage.provider.provider.RefreshToken.find(app.tokens.refresh_token!);
    // Straight in the database, as admin tooling would: no event, so no cascade either.
    await revokeGrant(stage.provider.database.knex, stored!.grantId!);
    await expectTreatedAsAbsent(token, 'source_grant_revoked');
  });

  it('ignores a token for an account disabled since', async () => {
    const app = await appLogin(stage.provider.url, DEMO.bob);
    const token = await mintLoginHintToken(stage.provider, app.tokens.refresh_token!);
    const { knex } = stage.provider.database;
    await knex('accounts').where({ username: 'bob' }).update({ disabled: true });
    try {
      await expectTreatedAsAbsent(token, 'account_disabled');
    } finally {
      await knex('accounts').where({ username: 'bob' }).update({ disabled: false });
    }
  });

  it('ignores a token presented from another IP than the exchange caller', async () => {
    const token = await mintLoginHintToken(stage.provider, stage.refreshToken);
    const pending = await authorizationRequest(stage.website, {
      redirect_uri: DEMO.website.redirectUri,
      prompt: 'none',
      login_hint_token: token,
    });
    // Sent from another loopback source address: another device as far as the IP goes.
    const hop = await getFromAddress('127.0.0.2', pending.url);
    expect(hop.location?.searchParams.get('error')).to.equal('login_required');
    expect(await lastAuditReason(stage.provider.database.knex, 'redemption.refused')).to.equal(
      'binding_mismatch',
    );
    // Unconsumed: the right browser can still use it.
    expect((await silentHandover(token)).location?.searchParams.get('code')).to.be.a('string');
  });

  it('shows the login page without a username when there is no session', async () => {
    const token = await mintLoginHintToken(stage.provider, stage.refreshToken, { ttl: -5 });
    const { hop } = await handoverLogin(new UserAgent(stage.provider.url), stage.website, {
      redirect_uri: DEMO.website.redirectUri,
      login_hint_token: token,
    });
    const html = await hop.response.text();
    expect(hop.url.pathname).to.match(/^\/interaction\//);
    expect(html).to.include('name="password"');
    expect(html).to.include('value=""');
  });

  it('leaves an existing session to answer with ordinary SSO', async () => {
    const app = await appLogin(stage.provider.url, DEMO.bob);
    const token = await mintLoginHintToken(stage.provider, stage.refreshToken, { ttl: -5 });
    const hop = await silentHandover(token, app.agent);
    expect(hop.location?.searchParams.get('code')).to.be.a('string');
  });
});

describe('GET /auth with a login_hint_token used twice', () => {
  let provider: TestProvider;

  before(async () => {
    provider = await startTestProvider();
  });

  after(async () => {
    await provider.close();
  });

  it('refuses the replay and ends the session the first use created', async () => {
    const app = await appLogin(provider.url, DEMO.alice);
    const token = await mintLoginHintToken(provider, app.tokens.refresh_token!);
    const website = await websiteClient(provider.url);
    const params = {
      redirect_uri: DEMO.website.redirectUri,
      prompt: 'none',
      login_hint_token: token,
    };
    const first = new UserAgent(provider.url);
    expect(
      (await handoverLogin(first, website, params)).hop.location?.searchParams.get('code'),
    ).to.be.a('string');

    const replay = await handoverLogin(new UserAgent(provider.url), website, params);
    expect(replay.hop.location?.searchParams.get('error')).to.equal('login_required');
    expect(await lastAuditReason(provider.database.knex, 'redemption.replayed')).to.equal(
      'replay_session_ended',
    );

    const again = await handoverLogin(first, website, {
      redirect_uri: DEMO.website.redirectUri,
      prompt: 'none',
    });
    expect(again.hop.location?.searchParams.get('error')).to.equal('login_required');
  });

  it('ends the session even when the replay comes from the browser that holds it', async () => {
    const app = await appLogin(provider.url, DEMO.alice);
    const token = await mintLoginHintToken(provider, app.tokens.refresh_token!);
    const website = await websiteClient(provider.url);
    const browser = new UserAgent(provider.url);
    const params = {
      redirect_uri: DEMO.website.redirectUri,
      prompt: 'none',
      login_hint_token: token,
    };
    await handoverLogin(browser, website, params);
    const replay = await handoverLogin(browser, website, params);
    expect(replay.hop.location?.searchParams.get('error')).to.equal('login_required');
    const after = await handoverLogin(browser, website, {
      redirect_uri: DEMO.website.redirectUri,
      prompt: 'none',
    });
    expect(after.hop.location?.searchParams.get('error')).to.equal('login_required');
  });
});
