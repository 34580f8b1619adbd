import type { Knex } from 'knex';
import type { Context, Next } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';

import { recordRedemptionSession } from '../login_hint_token.ts';
import { isTokenReference, referencedHash } from './token_reference.ts';

function switchReference(oidc: KoaContextWithOIDC['oidc']): string | undefined {
  const handover = (oidc.result as { handover?: { reference?: unknown } } | undefined)?.handover;
  return isTokenReference(handover?.reference) ? handover.reference : undefined;
}

/**
 * After a confirmed account switch the provider itself ends the old session and starts the
 * new one when the flow resumes; this records that new session against the consumed token.
 */
export function recordSwitchedSession(knex: Knex) {
  return async (ctx: Context, next: Next): Promise<void> => {
    await next();
    // Our own routes have no `oidc`; the provider's define it when they run.
    const oidc = (ctx as Partial<KoaContextWithOIDC>).oidc;
    if (oidc?.route !== 'resume') {
      return;
    }
    const reference = switchReference(oidc);
    const session = oidc.session;
    if (reference && session?.accountId && !(session as { destroyed?: boolean }).destroyed) {
      await recordRedemptionSession(knex, referencedHash(reference), {
        uid: session.uid,
        created: true,
      });
    }
  };
}
