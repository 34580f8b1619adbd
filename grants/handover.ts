import type { Knex } from 'knex';
import type Provider from 'oidc-provider';

import type { ProviderExtension } from '../provider/build_provider.ts';
import type { Config } from '../provider/config.ts';
import type { InteractionExtension } from '../provider/interactions/router.ts';
import {
  installRedemption,
  redemptionExtension,
  redemptionInteractions,
} from './redemption/index.ts';
import { exchangeExtension, registerTokenExchange } from './token_exchange/index.ts';

/** What the handover needs from the running product. */
export interface HandoverDeps {
  config: Config;
  knex: Knex;
}

/** The handover's two halves, wired into one provider. */
export interface Handover {
  /** Configuration the provider must be built with (parameters, policy, token claims). */
  extension: ProviderExtension;
  /** The interaction page the redemption adds (confirming an account switch). */
  interactions: InteractionExtension;
  /** Registers the grant and event listeners; call once, before the first request. */
  install(provider: Provider): void;
}

/** Assembles the token exchange (the app's half) and the redemption (the website's half). */
export function createHandover(deps: HandoverDeps): Handover {
  return {
    extension: { ...exchangeExtension(), ...redemptionExtension(deps) },
    interactions: redemptionInteractions(deps),
    install(provider) {
      registerTokenExchange(provider, deps);
      installRedemption(provider, deps);
    },
  };
}
