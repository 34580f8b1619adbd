import { randomBytes } from 'node:crypto';

import { expect } from 'chai';
import type { Knex } from 'knex';

import { removeExpiredRows } from '../../../provider/storage/cleanup.ts';
import { statementCounter } from '../../../provider/storage/database.ts';
import { startTestProvider, type TestProvider } from '../../support/provider.ts';

function modelRows(knex: Knex, count: number, expiresAt: string) {
  return Array.from({ length: count }, () => ({
    model: 'AccessToken',
    id_hash: randomBytes(32),
    payload: {},
    expires_at: knex.raw(`now() + interval '${expiresAt}'`),
  }));
}

function loginHintRow(knex: Knex, expiresAt: string) {
  return {
    id_hash: randomBytes(32),
    account_id: 'account',
    source_client_id: 'demo-app',
    target_client_id: 'demo-website',
    source_grant_id: 'grant',
    auth_time: 0,
    caller_ip: '127.0.0.1',
    expires_at: knex.raw(`now() + interval '${expiresAt}'`),
  };
}

async function count(knex: Knex, table: string): Promise<number> {
  const row = await knex(table).count<{ count: string }>('* as count').first();
  return Number(row?.count);
}

describe('removeExpiredRows, the cleanup job', () => {
  let provider: TestProvider;

  before(async () => {
    provider = await startTestProvider();
    const { knex } = provider.database;
    await knex('oidc_models').delete();
    // 1200 expired rows need three batches of 500.
    for (let i = 0; i < 3; i += 1) {
      await knex('oidc_models').insert(modelRows(knex, 400, '-2 minutes'));
    }
    await knex('oidc_models').insert(modelRows(knex, 3, '1 hour'));
    // Within the minute of clock tolerance: kept for now.
    await knex('oidc_models').insert(modelRows(knex, 2, '-10 seconds'));
    await knex('login_hint_tokens').insert([
      loginHintRow(knex, '-2 hours'),
      loginHintRow(knex, '-2 hours'),
      // Expired ten minutes ago: kept an hour so that a late replay is still recognised.
      loginHintRow(knex, '-10 minutes'),
    ]);
    await knex('login_failures').insert([
      { key_hash: 'old', failures: 3, last_failure_at: knex.raw("now() - interval '2 days'") },
      { key_hash: 'recent', failures: 3, last_failure_at: knex.fn.now() },
    ]);
  });

  after(async () => {
    await provider.close();
  });

  it('deletes expired rows past their grace in several small batches', async () => {
    const { knex } = provider.database;
    const statementsBefore = statementCounter.count;
    const removed = await removeExpiredRows(knex);
    expect(removed).to.equal(1200 + 2 + 1);
    // Three batches for the provider's rows, at least one statement for each other table.
    expect(statementCounter.count - statementsBefore).to.be.at.least(5);
    expect(await count(knex, 'oidc_models')).to.equal(5);
    expect(await count(knex, 'login_hint_tokens')).to.equal(1);
    expect(await count(knex, 'login_failures')).to.equal(1);
  });

  it('removes nothing when nothing has expired', async () => {
    expect(await removeExpiredRows(provider.database.knex)).to.equal(0);
  });
});
