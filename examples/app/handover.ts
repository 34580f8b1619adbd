import * as client from 'openid-client';

/** RFC 8693 token exchange grant type. */
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const REFRESH_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:refresh_token';
const LOGIN_HINT_TOKEN_TYPE = 'urn:oidc-handover:token-type:login_hint_token';

/** A login_hint_token for one website, as the token endpoint issued it. */
export interface LoginHintToken {
  token: string;
  expiresIn: number | undefined;
}

/** Exchanges the app's refresh token for a one-time login_hint_token addressed to a website. */
export async function requestLoginHintToken(
  config: client.Configuration,
  refreshToken: string,
  audience: string,
): Promise<LoginHintToken> {
  const response = await client.genericGrantRequest(config, TOKEN_EXCHANGE, {
    subject_token: refreshToken,
    subject_token_type: REFRESH_TOKEN_TYPE,
    requested_token_type: LOGIN_HINT_TOKEN_TYPE,
    audience,
  });
  return { token: response.access_token, expiresIn: response.expires_in };
}

/** The website URL the app opens in the system browser: its /handover entry with the token. */
export function handoverUrl(website: string, token: string, to: string): URL {
  const url = new URL('/handover', website);
  url.searchParams.set('login_hint_token', token);
  url.searchParams.set('to', to);
  return url;
}
