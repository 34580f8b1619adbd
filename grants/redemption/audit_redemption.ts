import type { Knex } from 'knex';

import { type AuditEvent, recordAudit } from '../audit.ts';
import type { StoredLoginHintToken } from '../login_hint_token.ts';
import type { RedemptionReason } from './reasons.ts';

/** Who asked for a redemption: the website and the browser's IP. */
export interface Requester {
  clientId: string | undefined;
  ip: string;
}

/** One redemption decision to audit. */
export interface RedemptionDecision {
  event: AuditEvent['event'];
  reason: RedemptionReason;
  requester: Requester;
  token?: StoredLoginHintToken | undefined;
}

/** Audits one redemption decision with the token's account and source grant, never its value. */
export function auditRedemption(knex: Knex, decision: RedemptionDecision): Promise<void> {
  const { event, reason, requester, token } = decision;
  return recordAudit(knex, {
    event,
    reason,
    clientId: requester.clientId,
    targetClientId: token?.targetClientId,
    accountId: token?.accountId,
    grantId: token?.sourceGrantId,
    ip: requester.ip,
  });
}
