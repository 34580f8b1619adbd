import * as client from 'openid-client';

import type { PendingLogin, SignedInUser } from './sessions.ts';

/** What a code flow of this website needs. */
export interface Site {
  config: client.Configuration;
  /** This website's own origin, e.g. http://localhost:4000. */
  baseUrl: string;
}

const SCOPE = 'openid profile email';

/** The redirect URI registered for this website. */
export function callbackUrl(site: Site): string {
  return new URL('/callback', site.baseUrl).toString();
}

function newPendingLogin(to: string): PendingLogin {
  return {
    state: client.randomState(),
    nonce: client.randomNonce(),
    verifier: client.randomPKCECodeVerifier(),
    to,
  };
}

async function authorizationParams(site: Site, pending: PendingLogin) {
  return {
    redirect_uri: callbackUrl(site),
    scope: SCOPE,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
    code_challenge_method: 'S256',
  };
}

/** Starts an ordinary code flow (state, nonce, PKCE); returns the provider URL to go to. */
export async function startLogin(site: Site, to: string) {
  const pending = newPendingLogin(to);
  const url = client.buildAuthorizationUrl(site.config, await authorizationParams(site, pending));
  return { pending, url };
}

/**
 * Starts a code flow that carries the login_hint_token. The request is pushed (PAR, RFC 9126)
 * so the token travels server to server and never appears in the provider URL. The provider
 * judges the token only when the browser arrives: a bad one simply means a normal sign-in.
 */
export async function startHandoverLogin(site: Site, to: string, loginHintToken: string) {
  const pending = newPendingLogin(to);
  const params = await authorizationParams(site, pending);
  const pushed = { ...params, login_hint_token: loginHintToken };
  return { pending, url: await client.buildAuthorizationUrlWithPAR(site.config, pushed) };
}

function readAmr(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item) => typeof item === 'string') : [];
}

/** Finishes the code flow at the callback URL and returns who signed in. */
export async function finishLogin(
  site: Site,
  pending: PendingLogin,
  currentUrl: URL,
): Promise<SignedInUser> {
  const tokens = await client.authorizationCodeGrant(site.config, currentUrl, {
    pkceCodeVerifier: pending.verifier,
    expectedState: pending.state,
    expectedNonce: pending.nonce,
  });
  const claims = tokens.claims()!;
  // The ID token asserts who and when; name and email come from the UserInfo endpoint.
  const profile = await client.fetchUserInfo(site.config, tokens.access_token, claims.sub);
  return {
    sub: claims.sub,
    name: String(profile.name ?? profile.preferred_username ?? claims.sub),
    email: profile.email,
    authTime: claims.auth_time,
    amr: readAmr(claims.amr),
    idToken: tokens.id_token!,
  };
}

/** The provider's end_session_endpoint URL for RP-initiated logout of this user. */
export function logoutUrl(site: Site, user: SignedInUser | undefined): URL {
  return client.buildEndSessionUrl(site.config, {
    post_logout_redirect_uri: new URL('/', site.baseUrl).toString(),
    ...(user ? { id_token_hint: user.idToken } : {}),
  });
}
