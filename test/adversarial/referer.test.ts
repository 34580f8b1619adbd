import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { expect } from 'chai';
import type { Browser, Request } from 'playwright-core';

import { MEMORY_DATA_DIR } from '../../provider/config.ts';
import { sharedPostgres, skipWithoutPostgres } from '../support/adversarial.ts';
import { findChromium, launchChromium } from '../support/browser.ts';
import { DEMO } from '../support/clients.ts';
import {
  type AppSession,
  authorizationQuery,
  exchange,
  signInApp,
} from '../support/handover_http.ts';
import { freePort, startTestProvider, type TestProvider } from '../support/provider.ts';

const SITE_CLIENT = 'referer-site';

/** A website that links to the provider and records what its callback receives. */
function startWebsite(port: number, authUrl: () => string): Promise<Server> {
  const server = createServer((request, response) => {
    response.setHeader('content-type', 'text/html');
    if (request.url?.startsWith('/start')) {
      response.end(`<a id="go" href="${authUrl().replaceAll('&', '&amp;')}">continue</a>`);
    } else {
      response.end('<p>signed in</p>');
    }
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

/** What the browser sent: where, how, and with which Referer. */
interface Seen {
  url: string;
  method: string;
  referer: string | undefined;
}

async function observe(request: Request): Promise<Seen> {
  const headers = await request.allHeaders();
  return { url: request.url(), method: request.method(), referer: headers.referer };
}

function addWebsiteClient(json: Record<string, unknown>, sitePort: number): void {
  const clients = json.clients as Record<string, unknown>[];
  clients.push({
    client_id: SITE_CLIENT,
    client_secret: 'referer-site-secret',
    redirect_uris: [`http://127.0.0.1:${sitePort}/callback`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    scope: 'openid',
    first_party: true,
  });
  const handover = json.handover as { allow: Record<string, string[]> };
  handover.allow[DEMO.app.clientId]!.push(SITE_CLIENT);
  Object.assign(handover, { exchangesPerMinute: 0 });
}

describe('Referer: a real browser never carries a token away from a provider page', function () {
  this.timeout(60_000);
  let provider: TestProvider;
  let website: Server;
  let browser: Browser;
  let app: AppSession;
  let providerUrl: string;
  let nextAuthUrl = '';

  before(async function () {
    skipWithoutPostgres(this);
    const chromium = findChromium();
    if ('missing' in chromium) {
      process.stderr.write(`Referer test skipped: ${chromium.missing}\n`);
      this.skip();
    }
    const sitePort = await freePort();
    const server = await sharedPostgres();
    provider = await startTestProvider({
      storage: { database: await server.createDatabase('referer'), dataDir: MEMORY_DATA_DIR },
      configure: (json) => addWebsiteClient(json, sitePort),
    });
    providerUrl = provider.url.replace('localhost', '127.0.0.1');
    website = await startWebsite(sitePort, () => nextAuthUrl);
    app = await signInApp(provider.url);
    browser = await launchChromium(chromium.path);
  });

  after(async () => {
    await browser?.close();
    website?.close();
    await provider?.close();
  });

  /** Follows the website's link to /auth with a fresh token; returns every request made. */
  async function handover(
    extra: Record<string, string>,
  ): Promise<{ token: string; requests: Seen[] }> {
    const sender = { localAddress: '127.0.0.1', audience: SITE_CLIENT };
    const { token } = await exchange(providerUrl, app.refreshToken, sender);
    if (!token) {
      throw new Error('the exchange for the test website failed');
    }
    const site = `http://127.0.0.1:${(website.address() as AddressInfo).port}`;
    const query = authorizationQuery({
      client_id: SITE_CLIENT,
      redirect_uri: `${site}/callback`,
      login_hint_token: token,
      ...extra,
    });
    nextAuthUrl = `${providerUrl}/auth?${query}`;
    const context = await browser.newContext();
    const page = await context.newPage();
    const seen: Promise<Seen>[] = [];
    page.on('request', (request) => seen.push(observe(request)));
    await page.goto(`${site}/start`);
    await page.click('#go');
    await page.waitForLoadState('load');
    if (new URL(page.url()).pathname.startsWith('/interaction/')) {
      await page.fill('#password', DEMO.alice.password);
      await Promise.all([page.waitForURL(/\/callback/), page.click('button[type=submit]')]);
    }
    const requests = await Promise.all(seen);
    await context.close();
    return { token, requests };
  }

  /** The Referer of every request made after the browser first reached the provider. */
  function referersAfterProvider(requests: Seen[]): (string | undefined)[] {
    const first = requests.findIndex((request) => request.url.startsWith(providerUrl));
    return requests.slice(first + 1).map((request) => request.referer);
  }

  it('sends no Referer to the website after a prompt-free handover', async () => {
    const { token, requests } = await handover({ prompt: 'none' });
    expect(requests.some((request) => /\/callback\?code=/.test(request.url))).to.equal(true);
    const referers = referersAfterProvider(requests);
    expect(referers.filter((referer) => referer !== undefined)).to.deep.equal([]);
    expect(requests.map((request) => request.url).join()).to.include(token);
  });

  it('sends no Referer from the login page when the website demands a fresh login', async () => {
    const { requests } = await handover({ prompt: 'login' });
    expect(requests.some((request) => request.method === 'POST')).to.equal(true);
    const referers = referersAfterProvider(requests);
    expect(referers.filter((referer) => referer !== undefined)).to.deep.equal([]);
  });
});
