import { expect } from 'chai';
import type { Browser, BrowserContext } from 'playwright-core';

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

describe('demo websites in a real browser (Chromium), without a handover', function () {
  this.timeout(60_000);
  let browser: Browser;
  let stack: DemoStack;
  let context: BrowserContext;

  before(async function () {
    const chromium = findChromium();
    if ('missing' in chromium) {
      console.log(`    skipping the browser tests: ${chromium.missing}`);
      this.skip();
    }
    browser = await launchChromium(chromium.path);
    stack = await startDemoStack();
    context = await browser.newContext();
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await stack?.close();
  });

  it('signs in through the login page and lands on the target page', async () => {
    const page = await context.newPage();
    await page.goto(`${stack.website.url}/orders/3`);
    await page.click('#sign-in');
    await page.locator('#password').waitFor();
    await screenshot(page, 'website-01-login-page');
    await fillLogin(page, DEMO.bob);
    await page.waitForURL(`${stack.website.url}/orders/3`);
    await screenshot(page, 'website-02-signed-in');

    expect(await signedInName(page)).to.equal('Bob Builder');
    expect(await page.locator('#path').textContent()).to.equal('/orders/3');
  });

  it('signs in on the second website by single sign-on, without a password', async () => {
    const page = await context.newPage();
    const watch = new ContextWatch(context);
    await page.goto(stack.website2.url);
    await page.click('#sign-in');
    await page.waitForURL(`${stack.website2.url}/`);

    expect(await signedInName(page)).to.equal('Bob Builder');
    expect((await watch.settle()).passwordPages).to.deep.equal([]);
  });

  it('signs out at the provider after its confirmation page', async () => {
    const page = await context.newPage();
    await page.goto(stack.website.url);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/session\/end/);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${stack.website.url}/`);
    await screenshot(page, 'website-03-signed-out');

    expect(await page.locator('#signed-out').isVisible()).to.equal(true);
    await page.goto(`${stack.website2.url}/login`);
    await page.locator('#password').waitFor();
    expect(new URL(page.url()).origin).to.equal(stack.provider.url);
  });
});
