import type Provider from 'oidc-provider';

import type { HandoverDeps } from '../handover.ts';
import { TOKEN_EXCHANGE_GRANT } from '../token_types.ts';
import { checkAudience } from './audience.ts';
import { installRefusalAudit } from './audit_trail.ts';
import { issueLoginHintToken } from './issue.ts';
import {
  checkParameters,
  EXCHANGE_PARAMETERS,
  EXCHANGE_REPEATABLE_PARAMETERS,
} from './parameters.ts';
import { checkRateLimit } from './rate_limit.ts';
import { loadSubjectToken } from './subject_token.ts';

export { exchangeExtension } from './token_claims.ts';

type GrantHandler = Parameters<Provider['registerGrantType']>[1];

function createExchangeHandler(provider: Provider, deps: HandoverDeps): GrantHandler {
  const { handover } = deps.config;
  return async (ctx) => {
    const input = checkParameters(ctx, handover.subjectTokenTypes);
    const subject = await loadSubjectToken(provider, ctx, input, deps.knex);
    await checkRateLimit(deps.knex, ctx, {
      clientId: ctx.oidc.client!.clientId,
      accountId: subject.accountId,
      perMinute: handover.exchangesPerMinute,
    });
    const targetClientId = await checkAudience(provider, ctx, handover.allow);
    ctx.body = await issueLoginHintToken(deps, ctx, { subject, targetClientId });
  };
}

/**
 * Registers the RFC 8693 token exchange on the token endpoint (and so in discovery), and the
 * audit of its refusals. With `handover.enabled: false` nothing is registered; the
 * configuration then removes the grant from every client's grant_types.
 */
export function registerTokenExchange(provider: Provider, deps: HandoverDeps): void {
  if (!deps.config.handover.enabled) {
    return;
  }
  provider.registerGrantType(
    TOKEN_EXCHANGE_GRANT,
    createExchangeHandler(provider, deps),
    EXCHANGE_PARAMETERS,
    EXCHANGE_REPEATABLE_PARAMETERS,
  );
  const clientIds = new Set(deps.config.clients.map((client) => client.client_id));
  installRefusalAudit(provider, { knex: deps.knex, clientIds });
}
