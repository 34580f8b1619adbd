/** RFC 8693 grant type of the exchange. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** The token type this product issues and the only one that may be requested. */
export const LOGIN_HINT_TOKEN_TYPE = 'urn:oidc-handover:token-type:login_hint_token';

/** RFC 8693 §3 token type identifiers that a subject token may be declared as. */
export const TOKEN_TYPE = {
  refresh_token: 'urn:ietf:params:oauth:token-type:refresh_token',
  access_token: 'urn:ietf:params:oauth:token-type:access_token',
  id_token: 'urn:ietf:params:oauth:token-type:id_token',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
} as const;
