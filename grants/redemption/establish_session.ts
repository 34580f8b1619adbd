import type { KoaContextWithOIDC, Session } from 'oidc-provider';

import { announceAudit } from '../audit.ts';
import type { RedemptionRecord } from '../audited_writes.ts';
import type { StoredLoginHintToken } from '../login_hint_token.ts';
import type { Requester } from './audit_redemption.ts';
import { REDEMPTION_REASON } from './reasons.ts';
import { markRequest } from './request_marks.ts';

function isNewSession(session: Session): boolean {
  // `new` is set by the provider on a session that had no cookie; it is not in the types.
  return (session as Session & { new?: boolean }).new === true;
}

/**
 * What the consume records with the token, decided before it: the session the token leads to
 * (a new login, or the same account's session kept) and the accepted audit event.
 */
export function redemptionRecord(ctx: KoaContextWithOIDC, requester: Requester): RedemptionRecord {
  const session = ctx.oidc.session!;
  const created = session.accountId === undefined;
  const reason = created ? REDEMPTION_REASON.sessionCreated : REDEMPTION_REASON.sessionReused;
  return {
    // The uid stays the same through loginAccount and resetIdentifier; only the cookie changes.
    session: { uid: session.uid, created },
    audit: { event: 'redemption.accepted', reason, clientId: requester.clientId, ip: requester.ip },
  };
}

/**
 * Signs the browser in with the consumed token's original authentication (never "now"), or
 * keeps the session when it is already this account's. The consume already stored the session
 * and the audit row; this writes the audit log line and the metrics.
 */
export function establishSession(
  ctx: KoaContextWithOIDC,
  redemption: { token: StoredLoginHintToken; requester: Requester },
): void {
  const { token, requester } = redemption;
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
  if (created) {
    markRequest(ctx, { redeemedFrom: { grantId: token.sourceGrantId, sessionUid: session.uid } });
  }
  const reason = created ? REDEMPTION_REASON.sessionCreated : REDEMPTION_REASON.sessionReused;
  announceAudit({
    event: 'redemption.accepted',
    reason,
    clientId: requester.clientId,
    targetClientId: token.targetClientId,
    accountId: token.accountId,
    grantId: token.sourceGrantId,
    ip: requester.ip,
  });
}
