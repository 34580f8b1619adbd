import { createHash, randomBytes } from 'node:crypto';

import {
  LOGIN_HINT_TOKEN_TYPE,
  TOKEN_EXCHANGE_GRANT,
  TOKEN_TYPE,
} from '../../grants/token_types.ts';
import { appLogin, DEMO } from './clients.ts';
import { type RawResponse, send, setCookies } from './raw_http.ts';
import { rememberSecret } from './secrets.ts';

/** Who sends a request: the source address and any extra headers (e.g. X-Forwarded-For). */
export interface Sender {
  localAddress?: string;
  headers?: Record<string, string>;
}

/** The app's tokens after a real login through the login form. */
export interface AppSession {
  refreshToken: string;
  accessToken: string;
}

/** Signs the demo app in as a user at the issuer and remembers every secret of it. */
export async function signInApp(
  issuer: string,
  user: { username: string; password: string } = DEMO.alice,
): Promise<AppSession> {
  const { agent, tokens } = await appLogin(issuer, user);
  rememberSecret(tokens.refresh_token, tokens.access_token, tokens.id_token, user.password);
  rememberSecret(...agent.jar.cookies.values());
  return { refreshToken: tokens.refresh_token!, accessToken: tokens.access_token };
}

/** The answer of a token exchange, with the login_hint_token when one was issued. */
export interface ExchangeResult {
  response: RawResponse;
  json: Record<string, unknown>;
  token?: string;
}

function parseJson(body: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Posts a raw form to an instance's token endpoint. */
export async function postToken(
  instanceUrl: string,
  body: string | Buffer,
  sender: Sender & { contentType?: string } = {},
): Promise<ExchangeResult> {
  const response = await send({
    url: `${instanceUrl}/token`,
    method: 'POST',
    body,
    localAddress: sender.localAddress,
    headers: {
      'content-type': sender.contentType ?? 'application/x-www-form-urlencoded',
      ...sender.headers,
    },
  });
  return { response, json: parseJson(response.body) };
}

/** The form of a valid exchange of the app's refresh token for a token for `audience`. */
export function exchangeForm(subjectToken: string, audience: string = DEMO.website.clientId) {
  return {
    grant_type: TOKEN_EXCHANGE_GRANT,
    client_id: DEMO.app.clientId,
    subject_token: subjectToken,
    subject_token_type: TOKEN_TYPE.refresh_token,
    requested_token_type: LOGIN_HINT_TOKEN_TYPE,
    audience,
  };
}

/** Exchanges the app's refresh token at one instance; remembers the issued token. */
export async function exchange(
  instanceUrl: string,
  subjectToken: string,
  sender: Sender & { audience?: string } = {},
): Promise<ExchangeResult> {
  const form = new URLSearchParams(exchangeForm(subjectToken, sender.audience)).toString();
  const result = await postToken(instanceUrl, form, sender);
  const token = result.json.access_token;
  if (typeof token === 'string') {
    rememberSecret(token);
    return { ...result, token };
  }
  return result;
}

/** Exchanges and insists on success; returns the login_hint_token. */
export async function mintToken(
  instanceUrl: string,
  subjectToken: string,
  sender: Sender = {},
): Promise<string> {
  const result = await exchange(instanceUrl, subjectToken, sender);
  if (!result.token) {
    throw new Error(`exchange failed: ${result.response.status} ${result.response.body}`);
  }
  return result.token;
}

/** What a website's authorization request with a login_hint_token led to. */
export interface RedemptionResult {
  response: RawResponse;
  /** The authorization code, when the browser came back signed in. */
  code?: string;
  /** The error parameter of an error redirect. */
  error?: string;
  /** The browser's cookies for the provider after this response (name → value). */
  cookies: Map<string, string>;
}

/** The query of a website's prompt-free authorization request (PKCE S256, demo-website). */
export function authorizationQuery(extra: Record<string, string> = {}): URLSearchParams {
  const verifier = randomBytes(32).toString('base64url');
  return new URLSearchParams({
    client_id: DEMO.website.clientId,
    response_type: 'code',
    redirect_uri: DEMO.website.redirectUri,
    scope: 'openid',
    state: randomBytes(16).toString('base64url'),
    nonce: randomBytes(16).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    prompt: 'none',
    ...extra,
  });
}

function cookieHeader(cookies: Map<string, string>): string {
  return [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
}

/** Reads a redirect to the website: its code or error; remembers codes and cookie values. */
function readRedirect(response: RawResponse, cookies: Map<string, string>): RedemptionResult {
  const merged = new Map([...cookies, ...setCookies(response)]);
  rememberSecret(...merged.values());
  const params = response.location?.searchParams;
  const code = params?.get('code') ?? undefined;
  rememberSecret(code);
  const error = params?.get('error') ?? undefined;
  return { response, cookies: merged, ...(code ? { code } : {}), ...(error ? { error } : {}) };
}

/**
 * A browser arriving at /auth with the website's prompt=none request and a login_hint_token
 * (no cookies unless given). Signed in means a redirect carrying a code.
 */
export async function redeem(
  instanceUrl: string,
  token: string | undefined,
  sender: Sender & { cookies?: Map<string, string> } = {},
): Promise<RedemptionResult> {
  const query = authorizationQuery(token === undefined ? {} : { login_hint_token: token });
  const cookies = sender.cookies ?? new Map<string, string>();
  const response = await send({
    url: `${instanceUrl}/auth?${query}`,
    localAddress: sender.localAddress,
    headers: { ...sender.headers, ...(cookies.size ? { cookie: cookieHeader(cookies) } : {}) },
  });
  return readRedirect(response, cookies);
}

/** Asks with the browser's cookies alone (no token) whether it still holds a live session. */
export async function isSignedIn(instanceUrl: string, cookies: Map<string, string>) {
  const result = await redeem(instanceUrl, undefined, { cookies });
  return result.code !== undefined;
}
