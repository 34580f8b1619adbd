import { randomBytes } from 'node:crypto';

import type { Knex } from 'knex';
import type Provider from 'oidc-provider';
import type { Session } from 'oidc-provider';

import { describeError, log } from '../../provider/logging.ts';
import { destroySessionByUid, revokeGrant } from '../../provider/storage/adapter.ts';

/** A client as it can send a back-channel logout: the method exists at runtime, untyped. */
interface BackchannelClient {
  backchannelLogoutUri?: string | undefined;
  backchannelLogout(sub: string, sid: string | undefined): Promise<void>;
}

async function notifyBackchannel(
  provider: Provider,
  target: { clientId: string; accountId: string; sid: string | undefined },
): Promise<void> {
  const { clientId, accountId, sid } = target;
  const client = (await provider.Client.find(clientId)) as unknown as BackchannelClient | undefined;
  if (!client?.backchannelLogoutUri) {
    return;
  }
  try {
    await client.backchannelLogout(accountId, sid);
  } catch (error) {
    // The session is already gone here; a website that cannot be told keeps its own session.
    log('warn', 'backchannel_logout_failed', { client_id: clientId, error: describeError(error) });
  }
}

/**
 * Ends a browser session by uid: deletes it, revokes every grant given in it (offline ones
 * included) and sends back-channel logout to its clients that registered an endpoint.
 * Returns whether there was such a session.
 */
export async function endSessionByUid(
  provider: Provider,
  knex: Knex,
  uid: string,
): Promise<boolean> {
  const session = await provider.Session.findByUid(uid);
  if (!session) {
    return false;
  }
  await destroySessionByUid(knex, uid);
  const authorizations = Object.entries(session.authorizations ?? {});
  for (const [, authorization] of authorizations) {
    if (authorization.grantId) {
      await revokeGrant(knex, authorization.grantId);
    }
  }
  const accountId = session.accountId;
  if (accountId) {
    await Promise.all(
      authorizations.map(([clientId, { sid }]) =>
        notifyBackchannel(provider, { clientId, accountId, sid }),
      ),
    );
  }
  return true;
}

const LOGIN_FIELDS = ['accountId', 'loginTs', 'amr', 'acr', 'authorizations', 'transient'];

/**
 * Empties the session this request carries after its stored row was ended, so that the rest
 * of the request sees nobody signed in and saves a fresh, empty session instead.
 */
export function forgetRequestSession(session: Session): void {
  for (const field of LOGIN_FIELDS) {
    // The provider's session proxy refuses an empty accountId but lets a field be deleted.
    Reflect.deleteProperty(session, field);
  }
  session.uid = randomBytes(32).toString('base64url');
  session.resetIdentifier();
}
