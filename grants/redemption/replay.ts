import type Provider from 'oidc-provider';
import type { Session } from 'oidc-provider';

import type { HandoverDeps } from '../handover.ts';
import type { StoredLoginHintToken } from '../login_hint_token.ts';
import { auditRedemption, type Requester } from './audit_redemption.ts';
import { endSessionByUid, forgetRequestSession } from './end_session.ts';
import { REDEMPTION_REASON } from './reasons.ts';

/**
 * A consumed token came back: end the session its first use created (as a replayed code
 * revokes its tokens), including in this very request when it carries that session.
 */
export async function handleReplay(
  provider: Provider,
  deps: HandoverDeps,
  context: { token: StoredLoginHintToken; requester: Requester; session?: Session | undefined },
): Promise<void> {
  const { token, requester, session } = context;
  const uid = token.sessionCreated ? token.sessionUid : null;
  const ended = uid ? await endSessionByUid(provider, deps.knex, uid) : false;
  if (uid && session?.uid === uid) {
    forgetRequestSession(session);
  }
  const reason = ended ? REDEMPTION_REASON.replaySessionEnded : REDEMPTION_REASON.replayNoSession;
  await auditRedemption(deps.knex, { event: 'redemption.replayed', reason, requester, token });
}
