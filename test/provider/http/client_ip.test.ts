import { expect } from 'chai';

import { clientIp } from '../../../provider/http/client_ip.ts';
import { authorizationRequest, DEMO, submitLogin, websiteClient } from '../../support/clients.ts';
import { startTestProvider, type TestProvider } from '../../support/provider.ts';
import { type Hop, UserAgent } from '../../support/user_agent.ts';

// The login throttle counts failures per username and client IP, so its 429 shows which IP the
// provider believed: the socket's, or the one a proxy put into X-Forwarded-For.

const FREE_FAILURES = 5;

async function loginPage(provider: TestProvider, agent: UserAgent): Promise<Hop> {
  const config = await websiteClient(provider.url);
  const pending = await authorizationRequest(config, { redirect_uri: DEMO.website.redirectUri });
  return agent.go(pending.url);
}

/** Fails the login as bob from a browser that sends this X-Forwarded-For, until throttled. */
async function failAsBob(provider: TestProvider, forwardedFor: string): Promise<void> {
  const agent = new UserAgent(provider.url, { 'x-forwarded-for': forwardedFor });
  let page = await loginPage(provider, agent);
  for (let attempt = 0; attempt < FREE_FAILURES; attempt += 1) {
    page = await submitLogin(agent, page, { username: 'bob', password: 'wrong' });
    expect(page.response.status).to.equal(401);
  }
  // The sixth attempt would wait only one second; a longer wait keeps a slow run from passing
  // that second before the checks below. Only the count changes, not whose failures they are.
  await provider.database.knex('login_failures').update({ failures: FREE_FAILURES + 8 });
}

/** The status of one more wrong password for bob, sent with this X-Forwarded-For. */
async function nextAttemptStatus(provider: TestProvider, forwardedFor: string): Promise<number> {
  const agent = new UserAgent(provider.url, { 'x-forwarded-for': forwardedFor });
  const page = await submitLogin(agent, await loginPage(provider, agent), {
    username: 'bob',
    password: 'wrong',
  });
  return page.response.status;
}

describe('client IP and the proxy setting', () => {
  describe('with proxy false (the default)', () => {
    let provider: TestProvider;

    before(async () => {
      provider = await startTestProvider();
      await failAsBob(provider, '203.0.113.1');
    });

    after(async () => {
      await provider.close();
    });

    it('ignores X-Forwarded-For: a new forwarded address stays throttled', async () => {
      expect(await nextAttemptStatus(provider, '198.51.100.7')).to.equal(429);
    });
  });

  describe('with proxy 1 (one trusted hop)', () => {
    let provider: TestProvider;

    before(async () => {
      provider = await startTestProvider({
        configure: (json) => {
          json.proxy = 1;
        },
      });
      await failAsBob(provider, '192.0.2.99, 203.0.113.1');
    });

    after(async () => {
      await provider.close();
    });

    it('believes the last hop: the same last address is throttled', async () => {
      expect(await nextAttemptStatus(provider, '203.0.113.1')).to.equal(429);
    });

    it('ignores entries before the last hop, which the client can forge', async () => {
      expect(await nextAttemptStatus(provider, '192.0.2.1, 203.0.113.1')).to.equal(429);
    });

    it('counts another last-hop address separately', async () => {
      expect(await nextAttemptStatus(provider, '192.0.2.99, 198.51.100.7')).to.equal(401);
    });
  });
});

describe('clientIp normalisation', () => {
  it('reduces an IPv4-mapped IPv6 address to plain IPv4', () => {
    expect(clientIp({ ip: '::ffff:192.0.2.10' })).to.equal('192.0.2.10');
  });

  it('treats the IPv6 loopback as 127.0.0.1, so browser and app on one host match', () => {
    expect(clientIp({ ip: '::1' })).to.equal('127.0.0.1');
  });

  it('keeps other loopback and IPv6 addresses apart', () => {
    expect(clientIp({ ip: '127.0.0.2' })).to.equal('127.0.0.2');
    expect(clientIp({ ip: '2001:db8::1' })).to.equal('2001:db8::1');
  });
});
