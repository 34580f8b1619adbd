import type { KoaContextWithOIDC } from 'oidc-provider';

import { clientIp } from '../../provider/http/client_ip.ts';
import type { HandoverDeps } from '../handover.ts';
import { createLoginHintTokenValue, storeLoginHintToken } from '../login_hint_token.ts';
import { LOGIN_HINT_TOKEN_TYPE } from '../token_types.ts';
import { recordIssued } from './audit_trail.ts';
import type { Subject } from './subject_token.ts';

/** The RFC 8693 §2.2.1 response of a successful exchange. */
export interface ExchangeResponse {
  access_token: string;
  issued_token_type: typeof LOGIN_HINT_TOKEN_TYPE;
  token_type: 'N_A';
  expires_in: number;
}

/** Mints and stores a login_hint_token for the subject's authentication and the target client. */
export async function issueLoginHintToken(
  deps: HandoverDeps,
  ctx: KoaContextWithOIDC,
  handover: { subject: Subject; targetClientId: string },
): Promise<ExchangeResponse> {
  const { subject, targetClientId } = handover;
  const { ttl } = deps.config.handover;
  const token = createLoginHintTokenValue();
  await storeLoginHintToken(
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
    ttl,
  );
  await recordIssued(deps.knex, ctx, targetClientId);
  // token_type N_A: the value is not an access token for any resource (RFC 8693 §2.2.1).
  return {
    access_token: token,
    issued_token_type: LOGIN_HINT_TOKEN_TYPE,
    token_type: 'N_A',
    expires_in: ttl,
  };
}
