import { expect } from 'chai';
import * as client from 'openid-client';

import { discoverApp } from '../../examples/app/client.ts';
import { handoverUrl, requestLoginHintToken } from '../../examples/app/handover.ts';
import { signIn } from '../../examples/app/sign_in.ts';
import { DEMO, submitLogin } from '../support/clients.ts';
import { startTestProvider, type TestProvider } from '../support/provider.ts';
import { UserAgent } from '../support/user_agent.ts';

/** Signs the app in, with a cookie-keeping agent standing in for the system browser. */
async function signInWithAgent(provider: TestProvider) {
  const config = await discoverApp(provider.url);
  let redirect: URL | undefined;
  const tokens = await signIn(config, {
    open: async (url) => {
      const agent = new UserAgent(provider.url);
      const loginPage = await agent.go(url);
      redirect = (await submitLogin(agent, loginPage, DEMO.alice)).location!;
      await fetch(redirect);
    },
  });
  return { config, tokens, redirect: redirect! };
}

describe('demo app (examples/app)', () => {
  let provider: TestProvider;

  before(async () => {
    provider = await startTestProvider();
  });

  after(async () => {
    await provider.close();
  });

  it('signs in through a loopback redirect on 127.0.0.1 with a port of its own', async () => {
    const { tokens, redirect } = await signInWithAgent(provider);
    expect(redirect.hostname).to.equal('127.0.0.1');
    expect(redirect.port).not.to.equal('');
    expect(redirect.pathname).to.equal('/callback');
    expect(tokens.refresh_token).to.be.a('string');
    expect(tokens.claims()!.auth_time).to.be.a('number');
  });

  it('exchanges its refresh token for a login_hint_token addressed to a website', async () => {
    const { config, tokens } = await signInWithAgent(provider);
    const issued = await requestLoginHintToken(config, tokens.refresh_token!, 'demo-website');
    expect(issued.token).to.be.a('string').with.length.above(40);
    expect(issued.expiresIn).to.equal(60);
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).to.be.a('string');
  });

  it('builds the website URL with the token and the target path', () => {
    const url = handoverUrl('http://localhost:4000', 'lht_abc', '/orders/42');
    expect(url.toString()).to.equal(
      'http://localhost:4000/handover?login_hint_token=lht_abc&to=%2Forders%2F42',
    );
  });
});
