import type Provider from 'oidc-provider';

import type { ProviderExtension } from '../../provider/build_provider.ts';
import type { HandoverDeps } from '../handover.ts';

/** The provider configuration the redemption of login_hint_token at /auth needs. */
export function redemptionExtension(_deps: HandoverDeps): ProviderExtension {
  return {};
}

/** Installs the redemption's event listeners (cascade revocation). */
export function installRedemption(_provider: Provider, _deps: HandoverDeps): void {}
