import { expect } from 'chai';
import * as client from 'openid-client';

import {
  LOGIN_HINT_TOKEN_TYPE,
  TOKEN_EXCHANGE_GRANT,
  TOKEN_TYPE,
} from '../../grants/token_types.ts';
import { hashId } from '../../provider/storage/hash.ts';
import { appLogin, DEMO } from '../support/clients.ts';
import { auditEvents } from '../support/exchange.ts';
import { capturedLogs } from '../support/logs.ts';
import { startTestProvider, type TestProvider } from '../support/provider.ts';

describe('POST /token, token exchange', () => {
  let provider: TestProvider;

  before(async () => {
    provider = await startTestProvider();
  });

  after(async () => {
    await provider.close();
  });

  async function storedPayload(value: string): Promise<Record<string, unknown>> {
    const row = await provider.database.knex('oidc_models').where('id_hash', hashId(value)).first();
    return row.payload;
  }

  function exchange(config: client.Configuration, subject: string, type: string) {
    return client.genericGrantRequest(config, TOKEN_EXCHANGE_GRANT, {
      subject_token: subject,
      subject_token_type: type,
      requested_token_type: LOGIN_HINT_TOKEN_TYPE,
      audience: DEMO.website.clientId,
    });
  }

  it('lists the grant in discovery', async () => {
    const response = await fetch(new URL('/.well-known/openid-configuration', provider.url));
    const metadata = (await response.json()) as { grant_types_supported: string[] };
    expect(metadata.grant_types_supported).to.include(TOKEN_EXCHANGE_GRANT);
  });

  it('swaps the refresh token for a login_hint_token', async () => {
    const { config, tokens } = await appLogin(provider.url);
    const response = await exchange(config, tokens.refresh_token!, TOKEN_TYPE.refresh_token);
    expect(response.access_token).to.match(/^ohlht_[A-Za-z0-9_-]{43}$/);
    expect(response.issued_token_type).to.equal(LOGIN_HINT_TOKEN_TYPE);
    expect(response.token_type).to.equal('n_a');
    expect(response.expires_in).to.equal(60);
    expect(response.refresh_token).to.equal(undefined);
    expect(capturedLogs.join('\n')).not.to.include(response.access_token);
    expect(capturedLogs.join('\n')).not.to.include(tokens.refresh_token!);
    const events = await auditEvents(provider.database.knex);
    expect(events.at(-1)).to.include({ event: 'exchange.issued', reason: 'issued' });
  });

  it('answers with Cache-Control no-store and token_type N_A', async () => {
    const { tokens } = await appLogin(provider.url);
    const response = await fetch(new URL('/token', provider.url), {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: TOKEN_EXCHANGE_GRANT,
        client_id: DEMO.app.clientId,
        subject_token: tokens.refresh_token!,
        subject_token_type: TOKEN_TYPE.refresh_token,
        audience: DEMO.website.clientId,
      }),
    });
    expect(response.status).to.equal(200);
    expect(response.headers.get('cache-control')).to.equal('no-store');
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).to.deep.equal([
      'access_token',
      'expires_in',
      'issued_token_type',
      'token_type',
    ]);
    expect(body.token_type).to.equal('N_A');
  });

  it('swaps an opaque access token that carries the original auth_time', async () => {
    const { config, tokens } = await appLogin(provider.url);
    const response = await exchange(config, tokens.access_token, TOKEN_TYPE.access_token);
    const row = await provider.database
      .knex('login_hint_tokens')
      .where('id_hash', hashId(response.access_token))
      .first();
    const login = await storedPayload(tokens.refresh_token!);
    expect(login.authTime).to.be.a('number');
    expect(Number(row.auth_time)).to.equal(login.authTime);
    expect(row.acr).to.equal(login.acr);
    expect(row.amr).to.deep.equal(login.amr ?? null);
  });

  it('stores the token only as a hash, with what it stands for', async () => {
    const { config, tokens } = await appLogin(provider.url);
    const response = await exchange(config, tokens.refresh_token!, TOKEN_TYPE.refresh_token);
    const row = await provider.database
      .knex('login_hint_tokens')
      .where('id_hash', hashId(response.access_token))
      .first();
    expect(row).to.include({
      account_id: tokens.claims()!.sub,
      source_client_id: DEMO.app.clientId,
      target_client_id: DEMO.website.clientId,
      consumed_at: null,
    });
    expect(Number(row.auth_time)).to.equal((await storedPayload(tokens.refresh_token!)).authTime);
    const dump = JSON.stringify(await provider.database.knex('login_hint_tokens').select('*'));
    expect(dump).not.to.include(response.access_token);
    expect(dump).not.to.include(response.access_token.slice('ohlht_'.length));
  });

  it('neither rotates nor extends the subject token', async () => {
    const { config, tokens } = await appLogin(provider.url);
    const knex = provider.database.knex;
    const stored = () =>
      knex('oidc_models').where('id_hash', hashId(tokens.refresh_token!)).first();
    const before = await stored();
    await exchange(config, tokens.refresh_token!, TOKEN_TYPE.refresh_token);
    await exchange(config, tokens.refresh_token!, TOKEN_TYPE.refresh_token);
    const after = await stored();
    expect(after.consumed_at).to.equal(null);
    expect(after.expires_at.getTime()).to.equal(before.expires_at.getTime());
    expect(after.payload).to.deep.equal(before.payload);
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).to.be.a('string');
  });

  it('issues a different token on every exchange', async () => {
    const { config, tokens } = await appLogin(provider.url);
    const values = new Set<string>();
    for (let i = 0; i < 3; i += 1) {
      const response = await exchange(config, tokens.refresh_token!, TOKEN_TYPE.refresh_token);
      values.add(response.access_token);
    }
    expect(values.size).to.equal(3);
  });
});
