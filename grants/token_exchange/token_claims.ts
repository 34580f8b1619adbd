import type { AccessToken, ClientCredentials, KoaContextWithOIDC } from 'oidc-provider';

import type { ProviderExtension } from '../../provider/build_provider.ts';

interface Authentication {
  authTime?: number | undefined;
  amr?: string[] | undefined;
  acr?: string | undefined;
}

function authenticationOf(ctx: KoaContextWithOIDC | undefined): Authentication | undefined {
  const entities = ctx?.oidc?.entities;
  // The code or refresh token being redeemed carries the user's original authentication.
  return entities?.AuthorizationCode ?? entities?.RefreshToken;
}

/**
 * Copies the original auth_time, amr and acr into every opaque access token, so that one
 * presented as a subject token hands over the authentication as it happened, never "now".
 */
export async function extraTokenClaims(
  ctx: KoaContextWithOIDC,
  token: AccessToken | ClientCredentials,
): Promise<Record<string, unknown> | undefined> {
  const authentication = authenticationOf(ctx);
  if (token.kind !== 'AccessToken' || authentication?.authTime === undefined) {
    return undefined;
  }
  return {
    auth_time: authentication.authTime,
    ...(authentication.amr ? { amr: authentication.amr } : {}),
    ...(authentication.acr ? { acr: authentication.acr } : {}),
  };
}

/** The provider configuration the token exchange needs. */
export function exchangeExtension(): ProviderExtension {
  return { extraTokenClaims };
}
