import { expect } from 'chai';

import { MEMORY_DATA_DIR } from '../../provider/config.ts';
import { sharedPostgres, skipWithoutPostgres } from '../support/adversarial.ts';
import { type AppSession, mintToken, redeem, signInApp } from '../support/handover_http.ts';
import { query } from '../support/inspect.ts';
import { startTestProvider, type TestProvider } from '../support/provider.ts';

/** Starts an in-process provider on its own database of the shared PostgreSQL server. */
async function providerWith(settings: Record<string, unknown>): Promise<TestProvider> {
  const server = await sharedPostgres();
  return startTestProvider({
    storage: { database: await server.createDatabase('binding'), dataDir: MEMORY_DATA_DIR },
    configure: (json) => {
      const { handover = {}, ...topLevel } = settings;
      Object.assign(json, topLevel);
      Object.assign(json.handover as object, handover, { exchangesPerMinute: 0 });
    },
  });
}

/** The loopback address of a provider: IPv4, so that 127.0.0.x are distinct devices. */
function ipv4(provider: TestProvider): string {
  return provider.url.replace('localhost', '127.0.0.1');
}

async function lastRefusal(provider: TestProvider): Promise<string | undefined> {
  const rows = await query<{ reason: string }>(
    provider.storage.database!,
    "select reason from audit_events where event = 'redemption.refused' order by id desc limit 1",
  );
  return rows[0]?.reason;
}

describe('device binding and proxies: which IP the provider believes', function () {
  this.timeout(60_000);
  const started: TestProvider[] = [];

  before(function () {
    skipWithoutPostgres(this);
  });

  after(async () => {
    await Promise.all(started.map((provider) => provider.close()));
  });

  async function setUp(settings: Record<string, unknown>): Promise<[string, AppSession]> {
    const provider = await providerWith(settings);
    started.push(provider);
    return [ipv4(provider), await signInApp(provider.url)];
  }

  describe('without a proxy (the socket address decides)', () => {
    let url: string;
    let app: AppSession;

    before(async () => {
      [url, app] = await setUp({});
    });

    it('signs in a browser at the IP that called the exchange', async () => {
      const token = await mintToken(url, app.refreshToken, { localAddress: '127.0.0.1' });
      const result = await redeem(url, token, { localAddress: '127.0.0.1' });
      expect(result.code).to.be.a('string');
    });

    it('does not sign in a browser at another IP, and audits the mismatch', async () => {
      const token = await mintToken(url, app.refreshToken, { localAddress: '127.0.0.1' });
      const result = await redeem(url, token, { localAddress: '127.0.0.2' });
      expect(result.code).to.equal(undefined);
      expect(result.error).to.equal('login_required');
      expect(await lastRefusal(started[0]!)).to.match(/binding|ip/);
    });

    it('ignores an X-Forwarded-For header that names the exchange caller', async () => {
      const token = await mintToken(url, app.refreshToken, { localAddress: '127.0.0.1' });
      const result = await redeem(url, token, {
        localAddress: '127.0.0.2',
        headers: { 'x-forwarded-for': '127.0.0.1' },
      });
      expect(result.code).to.equal(undefined);
      expect(result.error).to.equal('login_required');
    });
  });

  describe('behind one trusted proxy ("proxy": 1)', () => {
    let url: string;
    let app: AppSession;
    const viaProxy = (forwardedFor: string) => ({ headers: { 'x-forwarded-for': forwardedFor } });

    before(async () => {
      [url, app] = await setUp({ proxy: 1 });
    });

    it('believes the address the proxy appended', async () => {
      const token = await mintToken(url, app.refreshToken, viaProxy('10.1.1.1'));
      const result = await redeem(url, token, viaProxy('10.1.1.1'));
      expect(result.code).to.be.a('string');
    });

    it('ignores addresses a client put in front of the one the proxy appended', async () => {
      const stolen = await mintToken(url, app.refreshToken, viaProxy('10.1.1.1'));
      const forged = await redeem(url, stolen, viaProxy('10.1.1.1, 10.2.2.2'));
      expect(forged.code).to.equal(undefined);
      expect(forged.error).to.equal('login_required');
      const token = await mintToken(url, app.refreshToken, viaProxy('10.1.1.1'));
      const genuine = await redeem(url, token, viaProxy('10.9.9.9, 10.1.1.1'));
      expect(genuine.code).to.be.a('string');
    });
  });

  describe('behind two trusted proxies ("proxy": 2)', () => {
    let url: string;
    let app: AppSession;

    before(async () => {
      [url, app] = await setUp({ proxy: 2 });
    });

    it('believes the second address from the right and nothing further left', async () => {
      const headers = (forwardedFor: string) => ({ headers: { 'x-forwarded-for': forwardedFor } });
      const stolen = await mintToken(url, app.refreshToken, headers('10.1.1.1, 10.0.0.1'));
      const forged = await redeem(url, stolen, headers('10.1.1.1, 10.2.2.2, 10.0.0.1'));
      expect(forged.code).to.equal(undefined);
      const token = await mintToken(url, app.refreshToken, headers('10.1.1.1, 10.0.0.1'));
      const genuine = await redeem(url, token, headers('10.7.7.7, 10.1.1.1, 10.0.0.1'));
      expect(genuine.code).to.be.a('string');
    });
  });

  describe('with "deviceBinding": "none"', () => {
    it('signs in a browser at any IP', async () => {
      const [url, app] = await setUp({ handover: { deviceBinding: 'none' } });
      const token = await mintToken(url, app.refreshToken, { localAddress: '127.0.0.1' });
      const result = await redeem(url, token, { localAddress: '127.0.0.2' });
      expect(result.code).to.be.a('string');
    });
  });
});
