import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { expect } from 'chai';
import * as client from 'openid-client';

import {
  appClient,
  appLogin,
  authorizationRequest,
  DEMO,
  finishLogin,
  loginThroughForm,
  websiteClient,
} from '../support/clients.ts';
import {
  auditReasons,
  cascadesSettled,
  handoverLogin,
  lastAuditReason,
  mintLoginHintToken,
} from '../support/handover.ts';
import { startTestProvider, type TestProvider } from '../support/provider.ts';
import { formAction, UserAgent } from '../support/user_agent.ts';

/**
 * The provider refuses to send back-channel requests to special-use addresses (its SSRF
 * guard); for the loopback receiver of this test only, the request goes out without it.
 */
function allowLoopbackReceiver(receiverUrl: string): () => void {
  const original = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const isReceiver = String(input).startsWith(receiverUrl);
    return original(input, isReceiver ? { ...init, dispatcher: undefined } : init);
  };
  return () => {
    globalThis.fetch = original;
  };
}

/** A website back end that records the logout tokens it receives. */
async function startBackchannelReceiver(): Promise<{
  server: Server;
  url: string;
  hits: string[];
}> {
  const hits: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      hits.push(body);
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/backchannel-logout`, hits };
}

async function redeemInNewBrowser(provider: TestProvider, token: string): Promise<UserAgent> {
  const browser = new UserAgent(provider.url);
  const website = await websiteClient(provider.url);
  const { hop } = await handoverLogin(browser, website, {
    redirect_uri: DEMO.website.redirectUri,
    prompt: 'none',
    login_hint_token: token,
  });
  expect(hop.location?.searchParams.get('code')).to.be.a('string');
  return browser;
}

async function hasSession(provider: TestProvider, browser: UserAgent): Promise<boolean> {
  const second = await websiteClient(provider.url, DEMO.website2);
  const pending = await authorizationRequest(second, {
    redirect_uri: DEMO.website2.redirectUri,
    prompt: 'none',
  });
  return (await browser.go(pending.url)).location?.searchParams.has('code') === true;
}

/** RP-initiated logout in a browser, confirmed on the provider's page. */
async function logOut(browser: UserAgent, clientId: string): Promise<void> {
  const page = await browser.go(`/session/end?client_id=${clientId}`);
  const html = await page.response.text();
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1]!;
  await browser.go(formAction(html, page.url), { form: { xsrf, logout: 'yes' } });
}

describe('revoking the app grant cascades to its login_hint_tokens and sessions', () => {
  let provider: TestProvider;
  let receiver: Awaited<ReturnType<typeof startBackchannelReceiver>>;
  let restoreFetch: () => void;

  before(async () => {
    receiver = await startBackchannelReceiver();
    restoreFetch = allowLoopbackReceiver(receiver.url);
    provider = await startTestProvider({
      configure: (json) => {
        const clients = json.clients as Record<string, unknown>[];
        const website = clients.find((entry) => entry.client_id === DEMO.website.clientId)!;
        website.backchannel_logout_uri = receiver.url;
      },
    });
  });

  after(async () => {
    await provider.close();
    receiver.server.close();
    restoreFetch();
  });

  it('ends created sessions and unused tokens on revocation of the refresh token', async () => {
    const app = await appLogin(provider.url, DEMO.alice);
    const used = await mintLoginHintToken(provider, app.tokens.refresh_token!);
    const unused = await mintLoginHintToken(provider, app.tokens.refresh_token!);
    const browser = await redeemInNewBrowser(provider, used);
    expect(await hasSession(provider, browser)).to.equal(true);
    const before = receiver.hits.length;

    await client.tokenRevocation(app.config, app.tokens.refresh_token!);
    await cascadesSettled(provider);

    expect(await hasSession(provider, browser)).to.equal(false);
    expect(receiver.hits.length).to.equal(before + 1);
    expect(receiver.hits.at(-1)).to.match(/^logout_token=/);
    const reasons = await auditReasons(provider.database.knex, 'cascade.revoked');
    expect(reasons).to.include('unused_tokens_invalidated').and.include('session_ended');
    const website = await websiteClient(provider.url);
    const { hop } = await handoverLogin(new UserAgent(provider.url), website, {
      redirect_uri: DEMO.website.redirectUri,
      prompt: 'none',
      login_hint_token: unused,
    });
    expect(hop.location?.searchParams.get('error')).to.equal('login_required');
  });

  it('ends created sessions when the app signs out and its grant ends with it', async () => {
    // Without offline_access the app's grant lives with its browser session.
    const config = await appClient(provider.url);
    const appBrowser = new UserAgent(provider.url);
    const pending = await authorizationRequest(config, {
      redirect_uri: DEMO.app.redirectUri,
      scope: 'openid profile',
    });
    const callback = await loginThroughForm(appBrowser, pending, DEMO.alice);
    const tokens = await finishLogin(config, pending, callback.location!);
    const browser = await redeemInNewBrowser(
      provider,
      await mintLoginHintToken(provider, tokens.access_token),
    );

    await logOut(appBrowser, DEMO.app.clientId);
    await cascadesSettled(provider);

    expect(await hasSession(provider, browser)).to.equal(false);
    expect(await lastAuditReason(provider.database.knex, 'cascade.revoked')).to.equal(
      'session_ended',
    );
  });

  it('leaves the app refresh token working when the browser signs out', async () => {
    const app = await appLogin(provider.url, DEMO.alice);
    const browser = await redeemInNewBrowser(
      provider,
      await mintLoginHintToken(provider, app.tokens.refresh_token!),
    );

    await logOut(browser, DEMO.website.clientId);
    await cascadesSettled(provider);

    expect(await hasSession(provider, browser)).to.equal(false);
    const refreshed = await client.refreshTokenGrant(app.config, app.tokens.refresh_token!);
    expect(refreshed.access_token).to.be.a('string');
  });
});

describe('revoking the app grant with cascadeRevocation off', () => {
  let provider: TestProvider;

  before(async () => {
    provider = await startTestProvider({
      configure: (json) => {
        (json.handover as Record<string, unknown>).cascadeRevocation = false;
      },
    });
  });

  after(async () => {
    await provider.close();
  });

  it('keeps created sessions but still invalidates unused tokens', async () => {
    const app = await appLogin(provider.url, DEMO.alice);
    const browser = await redeemInNewBrowser(
      provider,
      await mintLoginHintToken(provider, app.tokens.refresh_token!),
    );
    await mintLoginHintToken(provider, app.tokens.refresh_token!);

    await client.tokenRevocation(app.config, app.tokens.refresh_token!);
    await cascadesSettled(provider);

    expect(await hasSession(provider, browser)).to.equal(true);
    expect(await auditReasons(provider.database.knex, 'cascade.revoked')).to.deep.equal([
      'unused_tokens_invalidated',
    ]);
  });
});
