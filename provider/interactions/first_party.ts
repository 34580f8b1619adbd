import type Provider from 'oidc-provider';
import type { Client, Grant, Interaction, KoaContextWithOIDC } from 'oidc-provider';

/** Answers whether a client is marked `first_party` in the configuration. */
export function isFirstParty(client: Client): boolean {
  return client.first_party === true;
}

function requestedScope(client: Client, requested: unknown): string {
  // Grant only what the client is registered for, whatever the request asks.
  const allowed = new Set(String(client.scope ?? '').split(' '));
  return String(requested ?? '')
    .split(' ')
    .filter((scope) => allowed.has(scope))
    .join(' ');
}

/** Grants what an interaction asks for and returns the saved grant's id. */
export async function grantEverythingRequested(
  provider: Provider,
  interaction: Interaction,
): Promise<string> {
  const { accountId } = interaction.session ?? {};
  const clientId = String(interaction.params.client_id);
  const existing = interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined;
  const grant = existing ?? new provider.Grant({ accountId, clientId });
  const details = interaction.prompt.details;
  if (Array.isArray(details.missingOIDCScope)) {
    grant.addOIDCScope(details.missingOIDCScope.join(' '));
  }
  if (Array.isArray(details.missingOIDCClaims)) {
    grant.addOIDCClaims(details.missingOIDCClaims);
  }
  if (typeof details.missingResourceScopes === 'object' && details.missingResourceScopes) {
    for (const [indicator, scopes] of Object.entries(details.missingResourceScopes)) {
      grant.addResourceScope(indicator, (scopes as string[]).join(' '));
    }
  }
  return grant.save();
}

/**
 * loadExistingGrant: first-party clients get their grant without a consent page, saved so
 * that `prompt=none` succeeds; other clients keep the provider's default behaviour.
 */
export async function loadFirstPartyGrant(ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
  const { oidc } = ctx;
  const client = oidc.client;
  const session = oidc.session;
  if (!client || !session?.accountId) {
    return undefined;
  }
  const grantId = oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
  const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  if (!isFirstParty(client)) {
    return existing;
  }
  const grant =
    existing ??
    new oidc.provider.Grant({ accountId: session.accountId, clientId: client.clientId });
  grant.addOIDCScope(requestedScope(client, oidc.params?.scope));
  await grant.save();
  return grant;
}
