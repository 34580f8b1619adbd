import { expect } from 'chai';
import type * as client from 'openid-client';

import { statementCounter } from '../../provider/storage/database.ts';
import {
  appLogin,
  authorizationRequest,
  DEMO,
  loginThroughForm,
  websiteClient,
} from '../support/clients.ts';
import { mintLoginHintToken } from '../support/handover.ts';
import { startTestProvider, type TestProvider } from '../support/provider.ts';
import { UserAgent } from '../support/user_agent.ts';

/** SQL statements the provider ran while the browser made one request. */
async function statementsOf(agent: UserAgent, url: URL): Promise<{ count: number; code?: string }> {
  const before = statementCounter.count;
  const hop = await agent.request(url);
  const count = statementCounter.count - before;
  const code = hop.location?.searchParams.get('code') ?? undefined;
  return code ? { count, code } : { count };
}

describe('GET /auth with a login_hint_token, cost in SQL statements', () => {
  let provider: TestProvider;
  let website: client.Configuration;

  before(async () => {
    provider = await startTestProvider();
    website = await websiteClient(provider.url);
  });

  after(async () => {
    await provider.close();
  });

  it('costs no more statements than ordinary cookie SSO', async () => {
    const browser = new UserAgent(provider.url);
    const first = await authorizationRequest(website, { redirect_uri: DEMO.website.redirectUri });
    await loginThroughForm(browser, first, DEMO.alice);
    const sso = await authorizationRequest(website, { redirect_uri: DEMO.website.redirectUri });
    const cookieSso = await statementsOf(browser, sso.url);

    const { tokens } = await appLogin(provider.url, DEMO.alice);
    const token = await mintLoginHintToken(provider, tokens.refresh_token!);
    const pending = await authorizationRequest(website, {
      redirect_uri: DEMO.website.redirectUri,
      login_hint_token: token,
    });
    const handover = await statementsOf(new UserAgent(provider.url), pending.url);

    expect(cookieSso.code, 'cookie SSO gave a code').to.be.a('string');
    expect(handover.code, 'the handover gave a code').to.be.a('string');
    // The inspection reads token, account and source grant at once and the provider reuses
    // that account; the consume records the session and the audit row in one statement; that
    // pays for the re-check of the source grant once the session is saved.
    expect(handover.count).to.be.at.most(cookieSso.count);
  });
});
