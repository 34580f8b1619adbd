import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';

import type { ProviderExtension } from '../../provider/build_provider.ts';
import type { InteractionExtension } from '../../provider/interactions/router.ts';
import type { HandoverDeps } from '../handover.ts';
import { accountSwitchInteractions } from './account_switch.ts';
import { installCascade } from './cascade.ts';
import { checkAtPushedRequest } from './check_at_pushed_request.ts';
import { createRedemptionPolicy } from './policy.ts';
import { recheckSourceGrant } from './recheck_source_grant.ts';
import { recordSwitchedSession } from './record_switched_session.ts';
import { redeemAtAuthorization } from './redeem_at_authorization.ts';

function loginHintTokenParameter(deps: HandoverDeps) {
  return async (ctx: KoaContextWithOIDC): Promise<void> => {
    // The validator runs on every route that takes authorization parameters: device flow and
    // CIBA have their own meaning for login_hint_token and are left alone.
    if (ctx.oidc.route === 'authorization') {
      await redeemAtAuthorization(ctx, deps);
    } else if (ctx.oidc.route === 'pushed_authorization_request') {
      await checkAtPushedRequest(ctx, deps);
    }
  };
}

/** The provider configuration the redemption of login_hint_token at /auth needs. */
export function redemptionExtension(deps: HandoverDeps): ProviderExtension {
  return {
    extraParams: { login_hint_token: loginHintTokenParameter(deps) },
    policy: createRedemptionPolicy(deps.knex),
  };
}

/** The interaction page the redemption adds: confirming a switch to another account. */
export function redemptionInteractions(deps: HandoverDeps): InteractionExtension {
  return accountSwitchInteractions(deps);
}

/**
 * Installs the redemption's event listeners (cascade), the switch's session recorder and the
 * re-check of the source grant once a redemption's session is saved.
 */
export function installRedemption(provider: Provider, deps: HandoverDeps): void {
  installCascade(provider, deps);
  provider.use(recordSwitchedSession(deps.knex));
  provider.use(recheckSourceGrant(provider, deps));
}
