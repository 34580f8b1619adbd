import { createHash } from 'node:crypto';

import type * as client from 'openid-client';

import { LOGIN_HINT_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT, TOKEN_TYPE } from '../grants/token_types.ts';
import {
  appClient,
  appLogin,
  authorizationRequest,
  DEMO,
  finishLogin,
} from '../test/support/clients.ts';
import type { UserAgent } from '../test/support/user_agent.ts';

// One PKCE pair for every benchmark request: the provider's work does not depend on its value.
const CODE_VERIFIER = 'bench-code-verifier-0123456789-0123456789-0123456789';
const CODE_CHALLENGE = createHash('sha256').update(CODE_VERIFIER).digest('base64url');

/** What the benchmark prepares before it measures: a signed-in browser and the app's tokens. */
export interface BenchIdentity {
  /** A refresh token of demo-app that is never rotated: the exchange's subject token. */
  subjectToken: string;
  /** The browser signed in to the provider: its cookie jar holds the session. */
  agent: UserAgent;
  /** More browsers signed in as alice, each its own session, to mint refresh tokens in parallel. */
  minters: UserAgent[];
}

// Browser sessions that mint refresh tokens side by side (one flow at a time in each).
const MINTERS = 4;

/** Signs alice in through the login form: the only password checks of the run, before it. */
export async function signIn(issuer: string): Promise<BenchIdentity> {
  const { agent, tokens } = await appLogin(issuer, DEMO.alice);
  const minters = await Promise.all(
    Array.from({ length: MINTERS }, async () => (await appLogin(issuer, DEMO.alice)).agent),
  );
  return { subjectToken: tokens.refresh_token!, agent, minters };
}

async function mintOneRefreshToken(
  config: client.Configuration,
  agent: UserAgent,
): Promise<string> {
  const pending = await authorizationRequest(config, {
    redirect_uri: DEMO.app.redirectUri,
    scope: 'openid profile email offline_access',
    prompt: 'consent',
  });
  const callback = await agent.go(pending.url);
  if (!callback.location) {
    throw new Error(`minting a refresh token: no redirect (status ${callback.response.status})`);
  }
  const tokens = await finishLogin(config, pending, callback.location);
  return tokens.refresh_token!;
}

/** Runs `task` count times, at most `parallel` at once; returns the results in order. */
export async function inParallel<T>(
  count: number,
  parallel: number,
  task: (index: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next;
      next += 1;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  return results;
}

/**
 * Fresh refresh tokens of demo-app, each through cookie SSO (no password check). Every
 * refresh rotates its token, so each benchmark connection starts its own chain from one.
 * One flow at a time per browser session: parallel flows in one session would overwrite each
 * other's state, so several sessions mint side by side.
 */
export async function mintRefreshTokens(
  issuer: string,
  identity: BenchIdentity,
  count: number,
): Promise<string[]> {
  const config = await appClient(issuer);
  const { minters } = identity;
  const perMinter = Math.ceil(count / minters.length);
  const chunks = await Promise.all(
    minters.map((agent) => inParallel(perMinter, 1, () => mintOneRefreshToken(config, agent))),
  );
  return chunks.flat().slice(0, count);
}

/** The form body of the app's token exchange for a login_hint_token addressed to demo-website. */
export function exchangeBody(subjectToken: string): string {
  return new URLSearchParams({
    grant_type: TOKEN_EXCHANGE_GRANT,
    client_id: DEMO.app.clientId,
    subject_token: subjectToken,
    subject_token_type: TOKEN_TYPE.refresh_token,
    requested_token_type: LOGIN_HINT_TOKEN_TYPE,
    audience: DEMO.website.clientId,
  }).toString();
}

/** The form body of the refresh_token grant of the public demo app. */
export function refreshBody(refreshToken: string): string {
  return new URLSearchParams({
    grant_type: 'refresh_token',
    client_id: DEMO.app.clientId,
    refresh_token: refreshToken,
  }).toString();
}

/** The form body of demo-website's code exchange. */
export function codeBody(code: string): string {
  return new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: DEMO.website.redirectUri,
    code_verifier: CODE_VERIFIER,
    client_id: DEMO.website.clientId,
    client_secret: DEMO.website.secret,
  }).toString();
}

/** The path of demo-website's authorization request, optionally with a login_hint_token. */
export function websiteAuthPath(loginHintToken?: string): string {
  const params = new URLSearchParams({
    client_id: DEMO.website.clientId,
    response_type: 'code',
    redirect_uri: DEMO.website.redirectUri,
    scope: 'openid',
    state: 'bench-state',
    nonce: 'bench-nonce',
    code_challenge: CODE_CHALLENGE,
    code_challenge_method: 'S256',
    ...(loginHintToken ? { login_hint_token: loginHintToken } : {}),
  });
  return `/auth?${params}`;
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** Form headers for a POST to /token. */
export function formHeaders(): Record<string, string> {
  return { ...FORM };
}

/** Mints login_hint_tokens through the exchange, outside any measured window. */
export function mintLoginHintTokens(
  issuer: string,
  subjectToken: string,
  count: number,
): Promise<string[]> {
  const body = exchangeBody(subjectToken);
  return inParallel(count, 16, async () => {
    const response = await fetch(`${issuer}/token`, { method: 'POST', headers: FORM, body });
    const json = (await response.json()) as { access_token?: string; error?: string };
    if (!json.access_token) {
      throw new Error(`minting a login_hint_token failed: ${response.status} ${json.error}`);
    }
    return json.access_token;
  });
}
