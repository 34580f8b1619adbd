import { expect } from 'chai';

import { auditRow } from '../../grants/audit.ts';
import { storeIssuedLoginHintToken } from '../../grants/audited_writes.ts';
import {
  consumeLoginHintToken,
  createLoginHintTokenValue,
  type HandoverGrant,
  isLoginHintTokenShaped,
  loadLoginHintToken,
  recordRedemptionSession,
} from '../../grants/login_hint_token.ts';
import { type Database, migrateDatabase, openDatabase } from '../../provider/storage/database.ts';
import { hashId } from '../../provider/storage/hash.ts';
import { freshDatabase } from '../support/provider.ts';

const GRANT: HandoverGrant = {
  accountId: 'account-1',
  sourceClientId: 'demo-app',
  targetClientId: 'demo-website',
  sourceGrantId: 'grant-1',
  authTime: 1_700_000_000,
  amr: ['pwd'],
  acr: 'urn:example:password',
  callerIp: '127.0.0.1',
};
const RIGHT = { targetClientId: 'demo-website', callerIp: '127.0.0.1' };

describe('login_hint_token storage', () => {
  let database: Database;
  // A second handle on the same database stands for a second provider instance (PostgreSQL).
  let other: Database | undefined;

  before(async () => {
    const storage = await freshDatabase();
    const config = { database: storage.database, dataDir: storage.dataDir };
    database = openDatabase(config);
    await migrateDatabase(database);
    other = config.database ? openDatabase(config) : undefined;
  });

  after(async () => {
    await other?.knex.destroy();
    await database.knex.destroy();
  });

  async function stored(ttl = 60): Promise<string> {
    const token = createLoginHintTokenValue();
    // Stored as the exchange stores it: with its audit row, in the one issuing statement.
    const audit = auditRow({ event: 'exchange.issued', reason: 'issued', clientId: 'demo-app' });
    const record = { ttlSeconds: ttl, audit, sessionUid: undefined };
    expect(await storeIssuedLoginHintToken(database.knex, token, GRANT, record)).to.equal(true);
    return token;
  }

  it('creates distinct values of 256 random bits behind a fixed prefix', () => {
    const values = new Set(Array.from({ length: 100 }, () => createLoginHintTokenValue()));
    expect(values.size).to.equal(100);
    for (const value of values) {
      expect(isLoginHintTokenShaped(value)).to.equal(true);
      expect(Buffer.from(value.slice('ohlht_'.length), 'base64url')).to.have.length(32);
    }
  });

  it('stores a hash and the grant, never the raw value', async () => {
    const token = await stored();
    const rows = await database.knex('login_hint_tokens').select('*');
    expect(JSON.stringify(rows)).not.to.include(token.slice('ohlht_'.length));
    const row = await loadLoginHintToken(database.knex, token);
    expect(row).to.deep.include({ ...GRANT, consumedAt: null, expired: false });
  });

  it('sets the expiry by the database clock, ttl seconds after creation', async () => {
    const token = await stored(90);
    const row = await database
      .knex('login_hint_tokens')
      .where('id_hash', hashId(token))
      .first(database.knex.raw('extract(epoch from expires_at - created_at) as ttl'));
    expect(Number(row.ttl)).to.be.closeTo(90, 1);
    expect(await loadLoginHintToken(database.knex, token)).to.include({ expired: false });
  });

  it('lets exactly one of many concurrent callers consume a token', async () => {
    for (let round = 0; round < 5; round += 1) {
      const token = await stored();
      const handles = [database, other ?? database];
      const attempts = Array.from({ length: 40 }, (_, i) =>
        consumeLoginHintToken(handles[i % 2]!.knex, token, RIGHT),
      );
      const winners = (await Promise.all(attempts)).filter((row) => row !== undefined);
      expect(winners).to.have.length(1);
      expect(winners[0]).to.include({ accountId: GRANT.accountId, sessionUid: null });
    }
  });

  it('refuses a token expired by the database clock', async () => {
    const token = await stored();
    await database
      .knex('login_hint_tokens')
      .where('id_hash', hashId(token))
      .update({ expires_at: database.knex.raw("now() - interval '1 second'") });
    expect(await consumeLoginHintToken(database.knex, token, RIGHT)).to.equal(undefined);
    expect(await loadLoginHintToken(database.knex, token)).to.include({
      expired: true,
      consumedAt: null,
    });
  });

  it('refuses another audience and leaves the token to its own', async () => {
    const token = await stored();
    const wrong = { ...RIGHT, targetClientId: 'demo-website-2' };
    expect(await consumeLoginHintToken(database.knex, token, wrong)).to.equal(undefined);
    expect(await consumeLoginHintToken(database.knex, token, RIGHT)).not.to.equal(undefined);
  });

  it('refuses another IP while binding is on, and ignores the IP when it is off', async () => {
    const token = await stored();
    const elsewhere = { ...RIGHT, callerIp: '127.0.0.2' };
    expect(await consumeLoginHintToken(database.knex, token, elsewhere)).to.equal(undefined);
    const unbound = { ...RIGHT, callerIp: undefined };
    expect(await consumeLoginHintToken(database.knex, token, unbound)).not.to.equal(undefined);
  });

  it('refuses a second use', async () => {
    const token = await stored();
    expect(await consumeLoginHintToken(database.knex, token, RIGHT)).not.to.equal(undefined);
    expect(await consumeLoginHintToken(database.knex, token, RIGHT)).to.equal(undefined);
  });

  it('refuses a value that was never stored', async () => {
    const token = createLoginHintTokenValue();
    expect(await consumeLoginHintToken(database.knex, token, RIGHT)).to.equal(undefined);
  });

  it('records the session a redemption led to', async () => {
    const token = await stored();
    await consumeLoginHintToken(database.knex, token, RIGHT);
    await recordRedemptionSession(database.knex, token, { uid: 'session-uid', created: true });
    expect(await loadLoginHintToken(database.knex, token)).to.include({
      sessionUid: 'session-uid',
      sessionCreated: true,
    });
  });
});
