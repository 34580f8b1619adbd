import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';

import type { HandoverDeps } from '../handover.ts';
import { TOKEN_EXCHANGE_GRANT } from '../token_types.ts';

const PARAMETERS = [
  'subject_token',
  'subject_token_type',
  'audience',
  'requested_token_type',
  'resource',
  'scope',
  'actor_token',
  'actor_token_type',
];

/** Registers the RFC 8693 token exchange on the provider's token endpoint. */
export function registerTokenExchange(provider: Provider, _deps: HandoverDeps): void {
  provider.registerGrantType(
    TOKEN_EXCHANGE_GRANT,
    async () => {
      throw new errors.InvalidRequest('token exchange is not implemented yet');
    },
    PARAMETERS,
    ['audience', 'resource'],
  );
}
