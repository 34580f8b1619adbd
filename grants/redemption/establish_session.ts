import type { KoaContextWithOIDC, Session } from 'oidc-provider';

import type { HandoverDeps } from '../handover.ts';
import { recordRedemptionSession, type StoredLoginHintToken } from '../login_hint_token.ts';
import { auditRedemption, type Requester } from './audit_redemption.ts';
import { REDEMPTION_REASON } from './reasons.ts';
import { markRequest } from './request_marks.ts';

function isNewSession(session: Session): boolean {
  // `new` is set by the provider on a session that had no cookie; it is not in the types.
  return (session as Session & { new?: boolean }).new === true;
}

/**
 * Signs the browser in with the token's original authentication (never "now"), or keeps the
 * session when it is already this account's; records which session the token led to.
 */
export async function establishSession(
  ctx: KoaContextWithOIDC,
  deps: HandoverDeps,
  redemption: { hash: Buffer; token: StoredLoginHintToken; requester: Requester },
): Promise<void> {
  const { hash, token, requester } = redemption;
  const session = ctx.oidc.session!;
  const created = session.accountId === undefined;
  if (created) {
    session.loginAccount({
      accountId: token.accountId,
      loginTs: token.authTime,
      amr: token.amr,
      acr: token.acr,
    });
    if (!isNewSession(session)) {
      // A new cookie value for a new login, against session fixation.
      session.resetIdentifier();
    }
  }
  await recordRedemptionSession(deps.knex, hash, { uid: session.uid, created });
  if (created) {
    markRequest(ctx, { redeemedFrom: { grantId: token.sourceGrantId, sessionUid: session.uid } });
  }
  const reason = created ? REDEMPTION_REASON.sessionCreated : REDEMPTION_REASON.sessionReused;
  await auditRedemption(deps.knex, { event: 'redemption.accepted', reason, requester, token });
}
