import { expect } from 'chai';
import * as client from 'openid-client';

import { TOKEN_TYPE } from '../../grants/token_types.ts';
import { hashId } from '../../provider/storage/hash.ts';
import {
  appLogin,
  authorizationRequest,
  DEMO,
  finishLogin,
  loginThroughForm,
  websiteClient,
} from '../support/clients.ts';
import { exchangeForm, expireToken, lastAuditReason, postToken } from '../support/exchange.ts';
import { startTestProvider, type TestProvider } from '../support/provider.ts';
import { UserAgent } from '../support/user_agent.ts';

describe('POST /token, token exchange subject tokens', () => {
  let provider: TestProvider;

  before(async () => {
    provider = await startTestProvider();
  });

  after(async () => {
    await provider.close();
  });

  async function expectUnacceptable(form: Record<string, string>, reason: string) {
    const response = await postToken(provider.url, form);
    expect(response.status).to.equal(400);
    expect(response.body).to.deep.equal({
      error: 'invalid_request',
      error_description: 'subject_token is not acceptable',
    });
    expect(await lastAuditReason(provider.database.knex)).to.equal(reason);
  }

  async function websiteAccessToken(): Promise<string> {
    const config = await websiteClient(provider.url);
    const pending = await authorizationRequest(config, { redirect_uri: DEMO.website.redirectUri });
    const callback = await loginThroughForm(new UserAgent(provider.url), pending, DEMO.alice);
    return (await finishLogin(config, pending, callback.location!)).access_token;
  }

  it('refuses a token this provider never issued', async () => {
    await expectUnacceptable(exchangeForm('not-a-real-token'), 'subject_not_found');
  });

  it('refuses an access token issued to another client', async () => {
    const form = {
      ...exchangeForm(await websiteAccessToken()),
      subject_token_type: TOKEN_TYPE.access_token,
    };
    await expectUnacceptable(form, 'subject_other_client');
  });

  it('refuses an expired refresh token', async () => {
    const { tokens } = await appLogin(provider.url);
    await expireToken(provider.database.knex, 'RefreshToken', tokens.refresh_token!);
    await expectUnacceptable(exchangeForm(tokens.refresh_token!), 'subject_expired');
  });

  it('refuses an expired access token', async () => {
    const { tokens } = await appLogin(provider.url);
    await expireToken(provider.database.knex, 'AccessToken', tokens.access_token);
    const form = {
      ...exchangeForm(tokens.access_token),
      subject_token_type: TOKEN_TYPE.access_token,
    };
    await expectUnacceptable(form, 'subject_expired');
  });

  it('refuses a rotated refresh token and revokes its grant', async () => {
    const { config, tokens } = await appLogin(provider.url);
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    await expectUnacceptable(exchangeForm(tokens.refresh_token!), 'subject_consumed');
    await expectUnacceptable(exchangeForm(refreshed.refresh_token!), 'subject_not_found');
  });

  it('refuses a refresh token revoked at the revocation endpoint', async () => {
    const { config, tokens } = await appLogin(provider.url);
    await client.tokenRevocation(config, tokens.refresh_token!);
    await expectUnacceptable(exchangeForm(tokens.refresh_token!), 'subject_not_found');
    const form = {
      ...exchangeForm(tokens.access_token),
      subject_token_type: TOKEN_TYPE.access_token,
    };
    await expectUnacceptable(form, 'subject_not_found');
  });

  it('refuses a token whose grant was revoked', async () => {
    const { tokens } = await appLogin(provider.url);
    const row = await provider.database
      .knex('oidc_models')
      .where('id_hash', hashId(tokens.refresh_token!))
      .first('grant_id');
    await provider.database
      .knex('oidc_models')
      .where({ model: 'Grant', id_hash: hashId(row.grant_id) })
      .delete();
    await expectUnacceptable(exchangeForm(tokens.refresh_token!), 'subject_revoked');
  });

  it('refuses a token of a disabled account', async () => {
    const { tokens } = await appLogin(provider.url, DEMO.bob);
    await provider.database.knex('accounts').where('username', 'bob').update({ disabled: true });
    try {
      await expectUnacceptable(exchangeForm(tokens.refresh_token!), 'subject_account_inactive');
    } finally {
      await provider.database.knex('accounts').where('username', 'bob').update({ disabled: false });
    }
  });

  it('refuses an access token that does not carry the original auth_time', async () => {
    const { tokens } = await appLogin(provider.url);
    await provider.database
      .knex('oidc_models')
      .where({ model: 'AccessToken', id_hash: hashId(tokens.access_token) })
      .update({ payload: provider.database.knex.raw("payload - 'extra'") });
    const form = {
      ...exchangeForm(tokens.access_token),
      subject_token_type: TOKEN_TYPE.access_token,
    };
    await expectUnacceptable(form, 'subject_without_auth_time');
  });

  it('refuses a token whose session was created by a handover', async () => {
    const { tokens } = await appLogin(provider.url);
    const knex = provider.database.knex;
    const rt = await knex('oidc_models').where('id_hash', hashId(tokens.refresh_token!)).first();
    // What the redemption records when a login_hint_token creates a browser session.
    await knex('login_hint_tokens').insert({
      id_hash: hashId('ohlht_handover-that-created-this-session'),
      account_id: rt.payload.accountId,
      source_client_id: 'demo-app',
      target_client_id: 'demo-website',
      source_grant_id: 'an-earlier-grant',
      auth_time: rt.payload.authTime,
      caller_ip: '127.0.0.1',
      expires_at: knex.fn.now(),
      consumed_at: knex.fn.now(),
      session_uid: rt.payload.sessionUid,
      session_created: true,
    });
    await expectUnacceptable(exchangeForm(tokens.refresh_token!), 'subject_from_handover');
  });

  it('accepts a token whose session a handover only reused', async () => {
    const { tokens } = await appLogin(provider.url);
    const knex = provider.database.knex;
    const rt = await knex('oidc_models').where('id_hash', hashId(tokens.refresh_token!)).first();
    await knex('login_hint_tokens').insert({
      id_hash: hashId('ohlht_handover-that-reused-this-session'),
      account_id: rt.payload.accountId,
      source_client_id: 'demo-app',
      target_client_id: 'demo-website',
      source_grant_id: 'an-earlier-grant',
      auth_time: rt.payload.authTime,
      caller_ip: '127.0.0.1',
      expires_at: knex.fn.now(),
      session_uid: rt.payload.sessionUid,
      session_created: false,
    });
    const response = await postToken(provider.url, exchangeForm(tokens.refresh_token!));
    expect(response.status).to.equal(200);
  });
});
