import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import * as client from 'openid-client';

import { openInBrowser } from './browser.ts';
import { DEFAULT_ISSUER, discoverApp } from './client.ts';
import { handoverUrl, requestLoginHintToken } from './handover.ts';
import { signIn } from './sign_in.ts';
import { loadTokens, removeTokens, type StoredTokens, saveTokens } from './token_store.ts';

const USAGE = `usage: npx node examples/app/main.ts <command> [options]
  login [--no-browser]                  sign the app in through the browser
  handover [--website URL] [--to PATH]  get a one-time login_hint_token and print the URL to open
  whoami                                show who the app is signed in as (refreshes its tokens)
  logout                                revoke the app's refresh token and forget it
options: --issuer URL (env ISSUER, default ${DEFAULT_ISSUER}), --audience CLIENT_ID`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    issuer: { type: 'string', default: process.env.ISSUER ?? DEFAULT_ISSUER },
    website: { type: 'string', default: 'http://localhost:4000' },
    to: { type: 'string', default: '/orders/42' },
    audience: { type: 'string' },
    'no-browser': { type: 'boolean', default: false },
  },
});

async function requireTokens(): Promise<StoredTokens> {
  const stored = await loadTokens();
  if (!stored) {
    throw new Error('the app is not signed in: run "login" first');
  }
  return stored;
}

async function login(): Promise<void> {
  const config = await discoverApp(values.issuer);
  const tokens = await signIn(config, {
    open: (url) => {
      console.log(`Sign in here (opening your browser):\n\n  ${url}\n`);
      if (!values['no-browser']) {
        openInBrowser(url);
      }
    },
  });
  const claims: Record<string, unknown> = tokens.claims() ?? {};
  const sub = String(claims.sub);
  const user = await client.fetchUserInfo(config, tokens.access_token, sub);
  await saveTokens({
    issuer: values.issuer,
    refresh_token: tokens.refresh_token!,
    id_token: tokens.id_token!,
    claims,
  });
  console.log(`The app is signed in as ${user.name ?? sub}.`);
}

/** The client_id of a demo website, found by the origin of its redirect URI. */
function audienceOf(website: string): string {
  const demo = JSON.parse(readFileSync(new URL('../../config/demo.json', import.meta.url), 'utf8'));
  const origin = new URL(website).origin;
  for (const candidate of demo.clients as { client_id: string; redirect_uris?: string[] }[]) {
    if (candidate.redirect_uris?.some((uri) => new URL(uri).origin === origin)) {
      return candidate.client_id;
    }
  }
  throw new Error(`no demo client for ${origin}: pass --audience CLIENT_ID`);
}

async function handover(): Promise<void> {
  const stored = await requireTokens();
  const config = await discoverApp(stored.issuer);
  const audience = values.audience ?? audienceOf(values.website);
  const { token, expiresIn } = await requestLoginHintToken(config, stored.refresh_token, audience);
  const url = handoverUrl(values.website, token, values.to);
  console.log(`Open this URL in the browser within ${expiresIn ?? 60} seconds (it works once):`);
  console.log(`\n  ${url}\n`);
}

async function whoami(): Promise<void> {
  const stored = await requireTokens();
  const config = await discoverApp(stored.issuer);
  const refreshed = await client.refreshTokenGrant(config, stored.refresh_token);
  await saveTokens({ ...stored, refresh_token: refreshed.refresh_token ?? stored.refresh_token });
  const sub = String(stored.claims.sub);
  const user = await client.fetchUserInfo(config, refreshed.access_token, sub);
  const authTime = Number(stored.claims.auth_time);
  console.log(`${user.name ?? sub} <${user.email ?? ''}> (sub ${sub})`);
  console.log(`signed in at ${new Date(authTime * 1000).toISOString()} (auth_time ${authTime})`);
}

async function logout(): Promise<void> {
  const stored = await loadTokens();
  if (stored) {
    const config = await discoverApp(stored.issuer);
    await client.tokenRevocation(config, stored.refresh_token, {
      token_type_hint: 'refresh_token',
    });
  }
  await removeTokens();
  console.log('The app is signed out.');
}

const COMMANDS: Record<string, () => Promise<void>> = { login, handover, whoami, logout };

const command = COMMANDS[positionals[0] ?? ''];
if (!command) {
  console.error(USAGE);
  process.exit(2);
}
try {
  await command();
} catch (error) {
  const detail = error instanceof client.ResponseBodyError ? ` (${error.error})` : '';
  console.error(`app: ${error instanceof Error ? error.message : 'failed'}${detail}`);
  process.exit(1);
}
