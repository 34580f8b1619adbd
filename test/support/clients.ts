import * as client from 'openid-client';

import { formAction, type Hop, UserAgent } from './user_agent.ts';

/** The demo clients' credentials, as in config/demo.json. */
export const DEMO = {
  app: { clientId: 'demo-app', redirectUri: 'http://127.0.0.1/callback' },
  website: {
    clientId: 'demo-website',
    secret: 'demo-website-secret-not-for-production',
    redirectUri: 'http://localhost:4000/callback',
  },
  website2: {
    clientId: 'demo-website-2',
    secret: 'demo-website-2-secret-not-for-production',
    redirectUri: 'http://localhost:4001/callback',
  },
  alice: { username: 'alice', password: 'wonderland' },
  bob: { username: 'bob', password: 'builder' },
} as const;

/** openid-client configuration for the demo app (public client, loopback redirect). */
export function appClient(issuer: string): Promise<client.Configuration> {
  return client.discovery(new URL(issuer), DEMO.app.clientId, undefined, client.None(), {
    execute: [client.allowInsecureRequests],
  });
}

/** openid-client configuration for a demo website (confidential client). */
export function websiteClient(
  issuer: string,
  site: typeof DEMO.website | typeof DEMO.website2 = DEMO.website,
): Promise<client.Configuration> {
  return client.discovery(
    new URL(issuer),
    site.clientId,
    undefined,
    client.ClientSecretPost(site.secret),
    { execute: [client.allowInsecureRequests] },
  );
}

/** The state an authorization request needs to be finished later. */
export interface PendingLogin {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

/** Builds a code + PKCE authorization request. */
export async function authorizationRequest(
  config: client.Configuration,
  params: Record<string, string>,
): Promise<PendingLogin> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    scope: 'openid profile email',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...params,
  });
  return { url, verifier, state, nonce };
}

/** Fills in and submits the login form that `page` shows. */
export async function submitLogin(
  agent: UserAgent,
  page: Hop,
  credentials: { username: string; password: string },
): Promise<Hop> {
  const html = await page.response.text();
  return agent.go(formAction(html, page.url), { form: { ...credentials } });
}

/** Runs a whole browser login through the real login form; returns the final redirect. */
export async function loginThroughForm(
  agent: UserAgent,
  pending: PendingLogin,
  credentials: { username: string; password: string },
): Promise<Hop> {
  const page = await agent.go(pending.url);
  if (!page.url.pathname.startsWith('/interaction/')) {
    return page;
  }
  return submitLogin(agent, page, credentials);
}

/** Exchanges the code in a callback URL for tokens, checking state, nonce and PKCE. */
export function finishLogin(
  config: client.Configuration,
  pending: PendingLogin,
  callback: URL,
): ReturnType<typeof client.authorizationCodeGrant> {
  return client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: pending.verifier,
    expectedState: pending.state,
    expectedNonce: pending.nonce,
  });
}

/** Signs the demo app in as a user; returns its tokens and the agent (the app's browser). */
export async function appLogin(
  issuer: string,
  credentials: { username: string; password: string } = DEMO.alice,
) {
  const config = await appClient(issuer);
  const agent = new UserAgent(issuer);
  const pending = await authorizationRequest(config, {
    redirect_uri: DEMO.app.redirectUri,
    scope: 'openid profile email offline_access',
    prompt: 'consent',
  });
  const callback = await loginThroughForm(agent, pending, credentials);
  if (!callback.location) {
    throw new Error(`login did not redirect (status ${callback.response.status})`);
  }
  const tokens = await finishLogin(config, pending, callback.location);
  return { config, agent, tokens };
}
