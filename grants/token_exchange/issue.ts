import type { KoaContextWithOIDC } from 'oidc-provider';

import { clientIp } from '../../provider/http/client_ip.ts';
import { announceAudit, auditRow } from '../audit.ts';
import { storeIssuedLoginHintToken } from '../audited_writes.ts';
import type { HandoverDeps } from '../handover.ts';
import { createLoginHintTokenValue } from '../login_hint_token.ts';
import { LOGIN_HINT_TOKEN_TYPE } from '../token_types.ts';
import { issuedEvent } from './audit_trail.ts';
import { chainedHandover } from './handover_origin.ts';
import type { Subject } from './subject_token.ts';

/** The RFC 8693 §2.2.1 response of a successful exchange. */
export interface ExchangeResponse {
  access_token: string;
  issued_token_type: typeof LOGIN_HINT_TOKEN_TYPE;
  token_type: 'N_A';
  expires_in: number;
}

/**
 * Mints and stores a login_hint_token for the subject's authentication and the target client;
 * refuses a subject whose session a handover created (checked in the same statement).
 */
export async function issueLoginHintToken(
  deps: HandoverDeps,
  ctx: KoaContextWithOIDC,
  handover: { subject: Subject; targetClientId: string },
): Promise<ExchangeResponse> {
  const { subject, targetClientId } = handover;
  const { ttl } = deps.config.handover;
  const token = createLoginHintTokenValue();
  const event = issuedEvent(ctx, targetClientId);
  const stored = await storeIssuedLoginHintToken(
    deps.knex,
    token,
    {
      accountId: subject.accountId,
      sourceClientId: ctx.oidc.client!.clientId,
      targetClientId,
      sourceGrantId: subject.grantId,
      authTime: subject.authTime,
      amr: subject.amr,
      acr: subject.acr,
      callerIp: clientIp(ctx),
    },
    { ttlSeconds: ttl, audit: auditRow(event), sessionUid: subject.sessionUid },
  );
  if (!stored) {
    throw chainedHandover();
  }

  announceAudit(event);
  // token_type N_A: the value is not an access token for any resource (RFC 8693 §2.2.1).
  return {
    access_token: token,
    issued_token_type: LOGIN_HINT_TOKEN_TYPE,
    token_type: 'N_A',
    expires_in: ttl,
  };
}
