import { lookup } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';

import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

const DEFAULT_CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = new URL('../artifacts/e2e/', import.meta.url);

/** The Chromium to drive: CHROMIUM_PATH, or Debian's package; undefined when neither exists. */
export function findChromium(): { path: string } | { missing: string } {
  const path = process.env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM;
  if (existsSync(path)) {
    return { path };
  }
  const where = process.env.CHROMIUM_PATH ? `CHROMIUM_PATH (${path})` : DEFAULT_CHROMIUM;
  return { missing: `no Chromium at ${where}; install chromium or set CHROMIUM_PATH` };
}

/**
 * Chromium reaches "localhost" over IPv6 where Node's fetch may use IPv4. Device binding
 * compares the browser's address with the exchange caller's, and on a phone both are the same
 * device, so the browser is told to resolve localhost exactly as this process does.
 */
async function localhostRule(): Promise<string> {
  const { address, family } = await lookup('localhost');
  return `MAP localhost ${family === 6 ? `[${address}]` : address}`;
}

/** Launches headless Chromium with the flags a quiet, sandbox-less CI machine needs. */
export async function launchChromium(path: string): Promise<Browser> {
  return chromium.launch({
    executablePath: path,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      `--host-resolver-rules=${await localhostRule()}`,
    ],
  });
}

/** Everything one browser context fetched and showed, for assertions about what it saw. */
export class ContextWatch {
  /** URLs of documents whose HTML had a password field. */
  passwordPages: string[] = [];
  /** Every URL requested, in order. */
  requests: string[] = [];
  /** Every Referer header sent. */
  referers: string[] = [];
  #pending: Promise<void>[] = [];

  constructor(context: BrowserContext) {
    context.on('request', (request) => {
      this.requests.push(request.url());
      const referer = request.headers().referer;
      if (referer) {
        this.referers.push(referer);
      }
    });
    context.on('response', (response) => {
      if (response.request().resourceType() === 'document' && response.status() === 200) {
        this.#pending.push(this.#inspect(response.url(), response.text()));
      }
    });
  }

  async #inspect(url: string, body: Promise<string>): Promise<void> {
    // A page that navigated away at once may have no body left; it was not shown either.
    const html = await body.catch(() => '');
    if (/<input[^>]*type="?password/i.test(html)) {
      this.passwordPages.push(url);
    }
  }

  /** Waits until every document seen so far has been inspected. */
  async settle(): Promise<this> {
    await Promise.all(this.#pending);
    return this;
  }
}

/** Saves a screenshot of the page as test/artifacts/e2e/<name>.png (ignored by git). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, ARTIFACTS).pathname, fullPage: true });
}

/** Fills in and submits the provider's login form. */
export async function fillLogin(
  page: Page,
  credentials: { username: string; password: string },
): Promise<void> {
  await page.fill('#username', credentials.username);
  await page.fill('#password', credentials.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The name a demo website page shows as signed in ("" when nobody is). */
export async function signedInName(page: Page): Promise<string> {
  const name = page.locator('#name');
  return (await name.count()) > 0 ? ((await name.textContent()) ?? '') : '';
}
