import { expect } from 'chai';
import * as client from 'openid-client';

import {
  LOGIN_HINT_TOKEN_TYPE,
  TOKEN_EXCHANGE_GRANT,
  TOKEN_TYPE,
} from '../../grants/token_types.ts';
import { DEMO } from '../support/clients.ts';
import { appLoginWithDpop, exchangeForm, lastAuditReason, postToken } from '../support/exchange.ts';
import { startTestProvider, type TestProvider } from '../support/provider.ts';

describe('POST /token, token exchange with DPoP-bound subject tokens', () => {
  let provider: TestProvider;
  let login: Awaited<ReturnType<typeof appLoginWithDpop>>;

  before(async () => {
    provider = await startTestProvider();
    login = await appLoginWithDpop(provider.url, await client.randomDPoPKeyPair());
  });

  after(async () => {
    await provider.close();
  });

  function exchange(subject: string, type: string, DPoP: client.DPoPHandle) {
    const parameters = {
      subject_token: subject,
      subject_token_type: type,
      requested_token_type: LOGIN_HINT_TOKEN_TYPE,
      audience: DEMO.website.clientId,
    };
    return client.genericGrantRequest(login.config, TOKEN_EXCHANGE_GRANT, parameters, { DPoP });
  }

  async function expectRefused(promise: Promise<unknown>, reason: string) {
    const error = await promise.then(
      () => expect.fail('the exchange was accepted'),
      (caught: unknown) => caught,
    );
    expect(error).to.be.instanceOf(client.ResponseBodyError);
    const { status, error: code } = error as client.ResponseBodyError;
    expect(status).to.equal(400);
    expect(code).to.equal('invalid_request');
    expect(await lastAuditReason(provider.database.knex)).to.equal(reason);
  }

  it('binds the app tokens to the key', () => {
    expect(login.tokens.token_type).to.equal('dpop');
  });

  it('swaps a DPoP-bound refresh token with a proof for the same key', async () => {
    const response = await exchange(
      login.tokens.refresh_token!,
      TOKEN_TYPE.refresh_token,
      login.DPoP,
    );
    expect(response.issued_token_type).to.equal(LOGIN_HINT_TOKEN_TYPE);
  });

  it('swaps a DPoP-bound access token with a proof for the same key', async () => {
    const response = await exchange(login.tokens.access_token, TOKEN_TYPE.access_token, login.DPoP);
    expect(response.access_token).to.match(/^ohlht_/);
  });

  it('refuses a DPoP-bound refresh token without a proof', async () => {
    const response = await postToken(provider.url, exchangeForm(login.tokens.refresh_token!));
    expect(response.status).to.equal(400);
    expect(response.body.error).to.equal('invalid_request');
    expect(await lastAuditReason(provider.database.knex)).to.equal('subject_dpop_missing');
  });

  it('refuses a DPoP-bound access token without a proof', async () => {
    const form = {
      ...exchangeForm(login.tokens.access_token),
      subject_token_type: TOKEN_TYPE.access_token,
    };
    const response = await postToken(provider.url, form);
    expect(response.status).to.equal(400);
    expect(await lastAuditReason(provider.database.knex)).to.equal('subject_dpop_missing');
  });

  it('refuses a proof made with another key', async () => {
    const other = client.getDPoPHandle(login.config, await client.randomDPoPKeyPair());
    await expectRefused(
      exchange(login.tokens.refresh_token!, TOKEN_TYPE.refresh_token, other),
      'subject_dpop_mismatch',
    );
  });

  it('refuses a malformed proof', async () => {
    const response = await postToken(provider.url, exchangeForm(login.tokens.refresh_token!), {
      dpop: 'not.a.proof',
    });
    expect(response.status).to.equal(400);
    expect(response.body.error).to.equal('invalid_dpop_proof');
    expect(await lastAuditReason(provider.database.knex)).to.equal('dpop_proof_invalid');
  });

  it('keeps the bound refresh token usable with its key after exchanges', async () => {
    await exchange(login.tokens.refresh_token!, TOKEN_TYPE.refresh_token, login.DPoP);
    const refreshed = await client.refreshTokenGrant(
      login.config,
      login.tokens.refresh_token!,
      undefined,
      { DPoP: login.DPoP },
    );
    expect(refreshed.token_type).to.equal('dpop');
  });
});
