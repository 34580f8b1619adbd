import type { Knex } from 'knex';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';

import { clientIp } from '../../provider/http/client_ip.ts';
import { type AuditEvent, recordAudit } from '../audit.ts';
import { TOKEN_EXCHANGE_GRANT } from '../token_types.ts';
import type { ExchangeReason } from './reasons.ts';
import { isExchangeRequest, reasonOf } from './refusal.ts';

const pending = new WeakMap<object, Promise<void>>();

/**
 * Who asked for what, as far as the request got before it ended. The audience is recorded
 * only when it names a registered client: anything else is the caller's free text, which may
 * be a misplaced token and must not reach the log.
 */
function describeRequest(ctx: KoaContextWithOIDC, clientIds: ReadonlySet<string>) {
  const audience = (ctx.oidc.params as { audience?: unknown } | undefined)?.audience;
  return {
    clientId: ctx.oidc.client?.clientId,
    targetClientId: typeof audience === 'string' && clientIds.has(audience) ? audience : undefined,
    accountId: ctx.oidc.entities.Account?.accountId,
    grantId: ctx.oidc.entities.Grant?.jti,
    ip: clientIp(ctx),
  };
}

/** The audit event of an issued login_hint_token (stored with the token, in one statement). */
export function issuedEvent(ctx: KoaContextWithOIDC, targetClientId: string): AuditEvent {
  const reason: ExchangeReason = 'issued';
  return {
    event: 'exchange.issued',
    reason,
    ...describeRequest(ctx, new Set([targetClientId])),
    targetClientId,
  };
}

function recordRefusal(
  knex: Knex,
  ctx: KoaContextWithOIDC,
  refusal: { error: unknown; clientIds: ReadonlySet<string> },
): void {
  const write = recordAudit(knex, {
    event: 'exchange.refused',
    reason: reasonOf(refusal.error),
    ...describeRequest(ctx, refusal.clientIds),
  });
  pending.set(ctx, write);
}

/**
 * Audits every refused token exchange, including the refusals the provider makes before our
 * handler runs (client authentication, grant type not allowed, repeated parameters). The
 * provider emits its error events without awaiting them, so a middleware holds the response
 * until the audit row is written: a client that saw its 4xx can rely on the audit trail.
 */
export function installRefusalAudit(
  provider: Provider,
  deps: { knex: Knex; clientIds: ReadonlySet<string> },
): void {
  const { knex, clientIds } = deps;
  const onError = (ctx: KoaContextWithOIDC, error: unknown) => {
    if (isExchangeRequest(ctx, TOKEN_EXCHANGE_GRANT)) {
      recordRefusal(knex, ctx, { error, clientIds });
    }
  };
  provider.on('grant.error', onError);
  provider.on('server_error', (ctx: KoaContextWithOIDC, error: unknown) => {
    if (ctx?.oidc?.route === 'token') {
      onError(ctx, error);
    }
  });
  provider.use(async (ctx, next) => {
    await next();
    await pending.get(ctx);
  });
}
