import { expect } from 'chai';
import * as client from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import { discoverApp } from '../../examples/app/client.ts';
import { handoverUrl, requestLoginHintToken } from '../../examples/app/handover.ts';
import { signIn } from '../../examples/app/sign_in.ts';
import {
  ContextWatch,
  fillLogin,
  findChromium,
  launchChromium,
  screenshot,
  signedInName,
} from '../support/browser.ts';
import { DEMO } from '../support/clients.ts';
import { type DemoStack, startDemoStack } from '../support/demo_stack.ts';

interface Tab {
  context: BrowserContext;
  page: Page;
  watch: ContextWatch;
}

describe('handover in a real browser (Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let stack: DemoStack;
  let app: client.Configuration;
  let appTokens: { refreshToken: string; sub: string; authTime: number };
  let firstHandover: URL;
  let handoverTab: Tab;
  const tabs: Tab[] = [];

  async function newTab(): Promise<Tab> {
    const context = await browser.newContext();
    const tab = { context, page: await context.newPage(), watch: new ContextWatch(context) };
    tabs.push(tab);
    return tab;
  }

  async function exchange(audience = 'demo-website'): Promise<string> {
    const issued = await requestLoginHintToken(app, appTokens.refreshToken, audience);
    return issued.token;
  }

  before(async function () {
    const chromium = findChromium();
    if ('missing' in chromium) {
      console.log(`    skipping the browser tests: ${chromium.missing}`);
      this.skip();
    }
    browser = await launchChromium(chromium.path);
    stack = await startDemoStack();
    app = await discoverApp(stack.provider.url);
  });

  after(async () => {
    await Promise.all(tabs.map((tab) => tab.context.close()));
    await browser?.close();
    await stack?.close();
  });

  it('signs the app in through the login page and its loopback redirect', async () => {
    const { page } = await newTab();
    const tokens = await signIn(app, {
      open: async (url) => {
        await page.goto(url.toString());
        await screenshot(page, '01-app-login-page');
        await fillLogin(page, DEMO.alice);
        await page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/callback/);
      },
    });
    await screenshot(page, '02-app-signed-in');
    const claims = tokens.claims()!;
    expect(claims.auth_time).to.be.a('number');
    appTokens = {
      refreshToken: tokens.refresh_token!,
      sub: claims.sub,
      authTime: claims.auth_time!,
    };
  });

  it('signs a fresh browser in on the website with no password, keeping auth_time', async () => {
    handoverTab = await newTab();
    const { page, watch } = handoverTab;
    const token = await exchange();
    firstHandover = handoverUrl(stack.website.url, token, '/orders/42');
    await page.goto(firstHandover.toString());
    await page.waitForURL(`${stack.website.url}/orders/42`);
    await screenshot(page, '03-website-after-handover');

    expect(await signedInName(page)).to.equal('Alice Liddell');
    expect(await page.locator('#sub').textContent()).to.equal(appTokens.sub);
    expect(await page.locator('#auth-time').textContent()).to.equal(String(appTokens.authTime));
    expect((await watch.settle()).passwordPages).to.deep.equal([]);
    const carriers = watch.requests.filter((url) => url.includes(token));
    expect(carriers).to.deep.equal([firstHandover.toString()]);
    expect(watch.referers.filter((referer) => referer.includes(token))).to.deep.equal([]);
    expect(stack.websiteLogs.join('\n')).not.to.include(token);
  });

  it('signs the same browser in on the second website with no prompt', async () => {
    const { page, watch } = handoverTab;
    await page.goto(stack.website2.url);
    await page.click('#sign-in');
    await page.waitForURL(`${stack.website2.url}/`);
    await screenshot(page, '04-second-website-sso');

    expect(await signedInName(page)).to.equal('Alice Liddell');
    expect(await page.locator('#auth-time').textContent()).to.equal(String(appTokens.authTime));
    expect((await watch.settle()).passwordPages).to.deep.equal([]);
  });

  it('logs the browser out and leaves the app refresh token working', async () => {
    const { page } = handoverTab;
    await page.goto(stack.website.url);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/session\/end/);
    await screenshot(page, '05-provider-logout-confirm');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${stack.website.url}/`);
    await screenshot(page, '06-website-signed-out');

    expect(await page.locator('#signed-out').isVisible()).to.equal(true);
    const refreshed = await client.refreshTokenGrant(app, appTokens.refreshToken);
    expect(refreshed.access_token).to.be.a('string');
    appTokens.refreshToken = refreshed.refresh_token ?? appTokens.refreshToken;
  });

  it('shows the login page to another browser that replays the used URL', async () => {
    expect(firstHandover, 'the first handover URL').to.be.instanceOf(URL);
    const { page } = await newTab();
    await page.goto(firstHandover.toString());
    await page.locator('#password').waitFor();
    await screenshot(page, '07-replayed-token-login-page');

    expect(new URL(page.url()).origin).to.equal(stack.provider.url);
    expect(page.url()).to.include('/interaction/');
  });

  /** A fresh browser signed in on the website as bob, then sent the app's handover URL. */
  async function handoverToBobsBrowser(to: string): Promise<Page> {
    const { page } = await newTab();
    await page.goto(`${stack.website.url}/login?to=/`);
    await fillLogin(page, DEMO.bob);
    await page.waitForURL(`${stack.website.url}/`);
    expect(await signedInName(page)).to.equal('Bob Builder');

    const token = await exchange();
    await page.goto(handoverUrl(stack.website.url, token, to).toString());
    await page.getByRole('heading', { name: 'Switch account?' }).waitFor();
    return page;
  }

  it('asks a browser signed in as another user, and switches when confirmed', async () => {
    const page = await handoverToBobsBrowser('/orders/7');
    await screenshot(page, '08-switch-account');
    await page.getByRole('button', { name: /^Continue as/ }).click();
    await page.waitForURL(`${stack.website.url}/orders/7`);
    await screenshot(page, '09-switched-to-app-user');

    expect(await signedInName(page)).to.equal('Alice Liddell');
    expect(await page.locator('#auth-time').textContent()).to.equal(String(appTokens.authTime));
  });

  it('keeps the other user signed in when the switch is declined', async () => {
    const page = await handoverToBobsBrowser('/orders/8');
    await page.getByRole('button', { name: /^Stay signed in as/ }).click();
    await page.waitForURL(`${stack.website.url}/orders/8`);
    await screenshot(page, '10-switch-declined');

    expect(await signedInName(page)).to.equal('Bob Builder');
  });
});
