import type { KoaContextWithOIDC } from 'oidc-provider';

import { clientIp } from '../../provider/http/client_ip.ts';
import type { HandoverDeps } from '../handover.ts';
import { auditRedemption } from './audit_redemption.ts';
import { REDEMPTION_REASON } from './reasons.ts';
import { createTokenReference, isTokenReference, rawTokenHash } from './token_reference.ts';

type Params = Record<string, unknown>;

/**
 * The PAR half: the token is never consumed here (no browser, no session yet) and the pushed
 * request keeps only its reference, which /auth accepts from a pushed request alone. Only the
 * shape is checked: every other verdict waits for the browser at /auth (its IP, its session,
 * the replay rule), so a PAR response never tells whether a token is good.
 */
export async function checkAtPushedRequest(
  ctx: KoaContextWithOIDC,
  deps: HandoverDeps,
): Promise<void> {
  const params = ctx.oidc.params as Params;
  const value = params.login_hint_token;
  if (value === undefined) {
    return;
  }

  const hash = rawTokenHash(value);
  params.login_hint_token = hash ? createTokenReference(hash) : undefined;
  if (!hash) {
    const reason = isTokenReference(value)
      ? REDEMPTION_REASON.referenceOutsidePar
      : REDEMPTION_REASON.malformed;
    const requester = { clientId: ctx.oidc.client?.clientId, ip: clientIp(ctx) };
    await auditRedemption(deps.knex, { event: 'redemption.refused', reason, requester });
  }

  // A pushed request object would be stored exactly as sent, raw token included. Without it
  // the provider stores the checked parameters (the reference in place of the token) instead.
  const body = ctx.oidc.body as Params | undefined;
  if (body?.request !== undefined) {
    body.request = undefined;
  }
}
