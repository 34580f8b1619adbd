import { expect } from 'chai';

import { appLogin, DEMO } from '../support/clients.ts';
import { exchangeForm, lastAuditReason, postToken } from '../support/exchange.ts';
import { startTestProvider, type TestProvider } from '../support/provider.ts';

function limitTo(perMinute: number) {
  return (json: Record<string, unknown>) => {
    const handover = json.handover as Record<string, unknown>;
    handover.exchangesPerMinute = perMinute;
  };
}

describe('POST /token, token exchange rate limit', () => {
  let provider: TestProvider;
  let alice: string;

  before(async () => {
    provider = await startTestProvider({ configure: limitTo(2) });
    alice = (await appLogin(provider.url, DEMO.alice)).tokens.refresh_token!;
  });

  after(async () => {
    await provider.close();
  });

  async function rewindWindow(): Promise<void> {
    await provider.database.knex('exchange_rate_limits').update({
      window_start: provider.database.knex.raw("window_start - interval '61 seconds'"),
    });
  }

  it('answers 429 with Retry-After and an RFC 6749 body past the limit', async () => {
    expect((await postToken(provider.url, exchangeForm(alice))).status).to.equal(200);
    expect((await postToken(provider.url, exchangeForm(alice))).status).to.equal(200);
    const refused = await postToken(provider.url, exchangeForm(alice));
    expect(refused.status).to.equal(429);
    expect(refused.headers.get('cache-control')).to.equal('no-store');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).to.be.within(1, 60);
    expect(refused.body).to.deep.equal({
      error: 'slow_down',
      error_description: 'too many token exchanges, retry after the delay in Retry-After',
    });
    expect(await lastAuditReason(provider.database.knex)).to.equal('rate_limited');
  });

  it('counts each account separately', async () => {
    const bob = (await appLogin(provider.url, DEMO.bob)).tokens.refresh_token!;
    expect((await postToken(provider.url, exchangeForm(bob))).status).to.equal(200);
  });

  it('lets the account exchange again once the minute is over', async () => {
    await rewindWindow();
    expect((await postToken(provider.url, exchangeForm(alice))).status).to.equal(200);
  });

  it('holds across two instances sharing one PostgreSQL database', async function () {
    if (!provider.storage.database) {
      // The embedded PGlite belongs to one process; only a server can be shared.
      this.skip();
    }
    await rewindWindow();
    const second = await startTestProvider({ configure: limitTo(2), storage: provider.storage });
    try {
      const statuses = [];
      for (const issuer of [provider.url, second.url, provider.url, second.url]) {
        statuses.push((await postToken(issuer, exchangeForm(alice))).status);
      }
      expect(statuses).to.deep.equal([200, 200, 429, 429]);
    } finally {
      await second.close();
    }
  });

  it('counts nothing when the limit is 0', async () => {
    const unlimited = await startTestProvider({ configure: limitTo(0) });
    try {
      const token = (await appLogin(unlimited.url)).tokens.refresh_token!;
      for (let i = 0; i < 4; i += 1) {
        expect((await postToken(unlimited.url, exchangeForm(token))).status).to.equal(200);
      }
      const rows = await unlimited.database.knex('exchange_rate_limits').select('*');
      expect(rows).to.deep.equal([]);
    } finally {
      await unlimited.close();
    }
  });
});
