import type { Client, KoaContextWithOIDC } from 'oidc-provider';

/** The part of a token that the policies below look at. */
interface IssuedToken {
  clientId?: string | undefined;
}

/**
 * features.introspection.allowedPolicy: a client learns about its own tokens only. Otherwise
 * any confidential client could ask whether another client's token is alive and whose it is.
 */
export function isIntrospectionAllowed(
  _ctx: KoaContextWithOIDC,
  client: Client,
  token: IssuedToken,
): boolean {
  return token.clientId === client.clientId;
}

/**
 * features.revocation.allowedPolicy: only the client a token was issued to may revoke it
 * (RFC 7009 §2.1); another client's request is answered 200 and changes nothing.
 */
export function isRevocationAllowed(
  _ctx: KoaContextWithOIDC,
  client: Client,
  token: IssuedToken,
): boolean {
  return token.clientId === client.clientId;
}
