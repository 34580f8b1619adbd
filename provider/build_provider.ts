import type { Knex } from 'knex';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import Provider, { errors, type interactionPolicy } from 'oidc-provider';

import { createFindAccount } from './accounts.ts';
import type { Config } from './config.ts';
import { loadFirstPartyGrant } from './interactions/first_party.ts';
import { errorPage, loggedOutPage, logoutPage } from './interactions/pages.ts';
import { PASSWORD_ACR } from './interactions/router.ts';
import type { ProviderKeys } from './keys.ts';
import { createAdapter } from './storage/adapter.ts';
import { isIntrospectionAllowed, isRevocationAllowed } from './token_policies.ts';

const DAY = 24 * 60 * 60;

/** What the handover (grants/) adds to the provider's configuration before it is built. */
export interface ProviderExtension {
  extraParams?: Configuration['extraParams'];
  policy?: interactionPolicy.Prompt[];
  extraTokenClaims?: Configuration['extraTokenClaims'];
  acrValues?: string[];
}

/** Everything the provider is built from. */
export interface ProviderInputs {
  config: Config;
  keys: ProviderKeys;
  knex: Knex;
  extension?: ProviderExtension;
}

function validateFirstParty(
  _ctx: KoaContextWithOIDC | undefined,
  key: string,
  value: unknown,
): void {
  if (key === 'first_party' && value !== undefined && typeof value !== 'boolean') {
    throw new errors.InvalidClientMetadata('first_party must be a boolean');
  }
}

function renderError(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }) {
  ctx.type = 'html';
  ctx.body = errorPage(out.error, out.error_description);
}

async function logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  const client = ctx.oidc.client;
  ctx.body = logoutPage(form, client ? String(client.clientName ?? client.clientId) : undefined);
}

function postLogoutSuccessSource(ctx: KoaContextWithOIDC): void {
  ctx.body = loggedOutPage();
}

function buildConfiguration(inputs: ProviderInputs): Configuration {
  const { config, keys, knex, extension = {} } = inputs;
  return {
    adapter: createAdapter(knex),
    clients: config.clients,
    extraClientMetadata: { properties: ['first_party'], validator: validateFirstParty },
    findAccount: createFindAccount(knex),
    jwks: keys.jwks,
    cookies: { keys: keys.cookieKeys, long: { signed: true }, short: { signed: true } },
    claims: {
      // Every ID token says when and how the user authenticated: after a handover, a website
      // sees the original login, never the moment of the redemption.
      openid: ['sub', 'auth_time', 'acr', 'amr'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username', 'locale', 'zoneinfo'],
    },
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    acrValues: extension.acrValues ?? [PASSWORD_ACR],
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true, allowedPolicy: isRevocationAllowed },
      introspection: { enabled: true, allowedPolicy: isIntrospectionAllowed },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      backchannelLogout: { enabled: true },
      // The `claims` parameter lets a website insist on an acr (an essential acr claim).
      claimsParameter: { enabled: true },
      dPoP: { enabled: true },
      pushedAuthorizationRequests: { enabled: true },
      requestObjects: { enabled: true },
    },
    // PKCE with S256 for every client, public or confidential (RFC 9700 §2.1.1).
    pkce: { required: () => true },
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
      ...(extension.policy ? { policy: extension.policy } : {}),
    },
    loadExistingGrant: loadFirstPartyGrant,
    ...(extension.extraParams ? { extraParams: extension.extraParams } : {}),
    ...(extension.extraTokenClaims ? { extraTokenClaims: extension.extraTokenClaims } : {}),
    renderError,
    clientBasedCORS: () => false,
    ttl: {
      AccessToken: 60 * 60,
      AuthorizationCode: 60,
      IdToken: 60 * 60,
      Interaction: 60 * 60,
      Session: 14 * DAY,
      Grant: 30 * DAY,
      RefreshToken: 14 * DAY,
    },
  };
}

/** Builds the oidc-provider instance for a validated configuration. */
export function buildProvider(inputs: ProviderInputs): Provider {
  const provider = new Provider(inputs.config.issuer, buildConfiguration(inputs));
  const { proxy } = inputs.config;
  provider.proxy = proxy !== false;
  // Believe only as many X-Forwarded-For entries as there are trusted proxy hops.
  provider.maxIpsCount = proxy === false ? 0 : proxy === true ? 1 : proxy;
  return provider;
}
