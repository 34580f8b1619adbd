import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { errors } from 'oidc-provider';

import type { ExchangeParams } from './parameters.ts';
import { refuse } from './refusal.ts';

// One description for unknown and not allowed alike, so that it reveals no client list.
const NOT_ALLOWED = 'audience must name one client this client may hand over to';

/**
 * Checks that `audience` names exactly one registered client that `handover.allow` lets the
 * caller hand over to (RFC 8693 §2.2.2: invalid_target); returns its client_id.
 */
export async function checkAudience(
  provider: Provider,
  ctx: KoaContextWithOIDC,
  allow: Record<string, string[]>,
): Promise<string> {
  const { audience } = ctx.oidc.params as ExchangeParams;
  if (audience === undefined) {
    throw refuse(
      new errors.InvalidTarget("missing required parameter 'audience'"),
      'audience_missing',
    );
  }

  if (Array.isArray(audience)) {
    throw refuse(
      new errors.InvalidTarget('audience must name exactly one client'),
      'audience_multiple',
    );
  }

  const target = await provider.Client.find(audience);
  if (!target) {
    throw refuse(new errors.InvalidTarget(NOT_ALLOWED), 'audience_unknown');
  }

  const allowed = allow[ctx.oidc.client!.clientId] ?? [];
  if (!allowed.includes(target.clientId)) {
    throw refuse(new errors.InvalidTarget(NOT_ALLOWED), 'audience_not_allowed');
  }
  return target.clientId;
}
