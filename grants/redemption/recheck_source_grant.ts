import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';

import { recordAudit } from '../audit.ts';
import type { HandoverDeps } from '../handover.ts';
import { endSessionByUid } from './end_session.ts';
import { REDEMPTION_REASON } from './reasons.ts';
import { readMark } from './request_marks.ts';

/**
 * Closes the race between a redemption and the revocation of its source grant. The browser
 * session is saved only when the /auth request ends, after the token row names it; a cascade
 * running in between finds no session to end. So once the request is done (session saved),
 * the source grant is read again: if it is gone, the new session goes too. Either this check
 * or the cascade (which starts after the grant is deleted) always sees the other's work.
 */
export function recheckSourceGrant(provider: Provider, deps: HandoverDeps) {
  return async (ctx: Context, next: Next): Promise<void> => {
    await next();
    const redeemed = readMark(ctx)?.redeemedFrom;
    if (!redeemed || (await provider.Grant.find(redeemed.grantId))) {
      return;
    }

    if (await endSessionByUid(provider, deps.knex, redeemed.sessionUid)) {
      const reason = REDEMPTION_REASON.sessionEnded;
      await recordAudit(deps.knex, { event: 'cascade.revoked', reason, grantId: redeemed.grantId });
    }
  };
}
