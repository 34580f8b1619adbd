import { expect } from 'chai';
import * as client from 'openid-client';

import {
  appLogin,
  authorizationRequest,
  DEMO,
  finishLogin,
  loginThroughForm,
  websiteClient,
} from '../support/clients.ts';
import { spawnStorage } from '../support/process.ts';
import { freePort, startTestProvider } from '../support/provider.ts';
import { UserAgent } from '../support/user_agent.ts';

async function jwks(url: string): Promise<{ keys: { kid: string }[] }> {
  const response = await fetch(`${url}/jwks`);
  return (await response.json()) as { keys: { kid: string }[] };
}

describe('a restarted provider', () => {
  it('keeps browser sessions, refresh tokens, signing keys and cookie keys', async () => {
    const storage = await spawnStorage();
    const port = await freePort();
    const first = await startTestProvider({ storage, port });
    const keysBefore = await jwks(first.url);
    const config = await websiteClient(first.url);
    const agent = new UserAgent(first.url);
    const login = await authorizationRequest(config, { redirect_uri: DEMO.website.redirectUri });
    const callback = await loginThroughForm(agent, login, DEMO.alice);
    const sub = (await finishLogin(config, login, callback.location!)).claims()!.sub;
    const app = await appLogin(first.url, DEMO.bob);
    await first.close();

    const second = await startTestProvider({ storage, port });
    try {
      expect(await jwks(second.url)).to.deep.equal(keysBefore);
      const silent = await authorizationRequest(config, {
        redirect_uri: DEMO.website.redirectUri,
        prompt: 'none',
      });
      const hop = await agent.go(silent.url);
      expect(hop.location?.searchParams.get('code'), 'SSO after restart').to.be.a('string');
      const tokens = await finishLogin(config, silent, hop.location!);
      expect(tokens.claims()!.sub).to.equal(sub);
      const refreshed = await client.refreshTokenGrant(app.config, app.tokens.refresh_token!);
      expect(refreshed.claims()!.sub).to.equal(app.tokens.claims()!.sub);
    } finally {
      await second.close();
    }
  });
});
