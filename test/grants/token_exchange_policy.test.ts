import { expect } from 'chai';

import { TOKEN_TYPE } from '../../grants/token_types.ts';
import { statementCounter } from '../../provider/storage/database.ts';
import { appLogin, DEMO } from '../support/clients.ts';
import { exchangeForm, lastAuditReason, postToken } from '../support/exchange.ts';
import { capturedLogs } from '../support/logs.ts';
import { startTestProvider, type TestProvider } from '../support/provider.ts';

describe('POST /token, token exchange policy', () => {
  let provider: TestProvider;
  let tokens: Awaited<ReturnType<typeof appLogin>>['tokens'];

  before(async () => {
    provider = await startTestProvider({
      configure: (json) => {
        json.handover = {
          allow: { 'demo-app': ['demo-website'] },
          subjectTokenTypes: ['refresh_token'],
        };
      },
    });
    ({ tokens } = await appLogin(provider.url));
  });

  after(async () => {
    await provider.close();
  });

  it('refuses a registered client that handover.allow does not name for the caller', async () => {
    const form = { ...exchangeForm(tokens.refresh_token!), audience: DEMO.website2.clientId };
    const response = await postToken(provider.url, form);
    expect(response.status).to.equal(400);
    expect(response.body).to.deep.equal({
      error: 'invalid_target',
      error_description: 'audience must name one client this client may hand over to',
    });
    expect(await lastAuditReason(provider.database.knex)).to.equal('audience_not_allowed');
    const row = await provider.database.knex('audit_events').orderBy('id', 'desc').first();
    expect(row).to.include({ event: 'exchange.refused', client_id: DEMO.app.clientId });
    expect(row.account_id).to.be.a('string');
    expect(row.grant_id).to.be.a('string');
  });

  it('hands over to a client that handover.allow names', async () => {
    const response = await postToken(provider.url, exchangeForm(tokens.refresh_token!));
    expect(response.status).to.equal(200);
  });

  it('refuses a subject token type switched off by handover.subjectTokenTypes', async () => {
    const form = {
      ...exchangeForm(tokens.access_token),
      subject_token_type: TOKEN_TYPE.access_token,
    };
    const response = await postToken(provider.url, form);
    expect(response.status).to.equal(400);
    expect(response.body.error).to.equal('invalid_request');
    expect(await lastAuditReason(provider.database.knex)).to.equal('subject_type_disabled');
  });

  it('refuses a client whose grant_types lack the exchange with the standard refusal', async () => {
    const form = {
      ...exchangeForm(tokens.refresh_token!),
      client_id: DEMO.website.clientId,
      client_secret: DEMO.website.secret,
      audience: DEMO.website2.clientId,
    };
    const response = await postToken(provider.url, form);
    expect(response.status).to.equal(400);
    expect(response.body).to.deep.equal({
      error: 'invalid_request',
      error_description: 'requested grant type is not allowed for this client',
    });
    expect(await lastAuditReason(provider.database.knex)).to.equal('grant_type_not_allowed');
  });

  it('refuses a client that fails authentication', async () => {
    const form = {
      ...exchangeForm(tokens.refresh_token!),
      client_id: DEMO.website.clientId,
      client_secret: 'wrong',
    };
    const response = await postToken(provider.url, form);
    expect(response.status).to.equal(401);
    expect(response.body.error).to.equal('invalid_client');
    expect(await lastAuditReason(provider.database.knex)).to.equal('client_authentication_failed');
  });

  it('writes no token into the audit table or the logs', async () => {
    const table = await provider.database.knex('audit_events').select('*');
    const dump = JSON.stringify(table) + capturedLogs.join('\n');
    expect(capturedLogs.join('\n')).to.include('"reason":"audience_not_allowed"');
    expect(dump).not.to.include(tokens.refresh_token!);
    expect(dump).not.to.include(tokens.access_token);
    expect(dump).not.to.include('ohlht_');
  });

  it('answers a storage failure with a 500, issues nothing and audits it', async () => {
    const knex = provider.database.knex;
    await knex.schema.renameTable('login_hint_tokens', 'login_hint_tokens_away');
    try {
      const response = await postToken(provider.url, exchangeForm(tokens.refresh_token!));
      expect(response.status).to.equal(500);
      expect(response.body.error).to.equal('server_error');
      expect(await lastAuditReason(knex)).to.equal('internal_error');
    } finally {
      await knex.schema.renameTable('login_hint_tokens_away', 'login_hint_tokens');
    }
    const issued = await knex('audit_events').where('reason', 'issued').count('* as n');
    expect(Number(issued[0]!.n)).to.equal(1);
  });

  it('uses a bounded number of SQL statements per exchange', async () => {
    const before = statementCounter.count;
    const response = await postToken(provider.url, exchangeForm(tokens.refresh_token!));
    expect(response.status).to.equal(200);
    // Subject token, grant, account, handover origin, rate counter, token row, audit row.
    const used = statementCounter.count - before;
    expect(used).to.be.at.most(7);
  });
});
