import type { KoaContextWithOIDC } from 'oidc-provider';
import { errors } from 'oidc-provider';

import type { ExchangeReason } from './reasons.ts';

const reasons = new WeakMap<Error, ExchangeReason>();

/** Attaches the audit reason to a protocol error before it is thrown. */
export function refuse<E extends Error>(error: E, reason: ExchangeReason): E {
  reasons.set(error, reason);
  return error;
}

/** The 429 of an exhausted rate limit, shaped like every RFC 6749 §5.2 error body. */
export class TooManyExchanges extends errors.OIDCProviderError {
  constructor() {
    // slow_down is the registered token endpoint code for "you are asking too often" (RFC 8628).
    super(429, 'slow_down');
    this.error_description = 'too many token exchanges, retry after the delay in Retry-After';
  }
}

// Errors the provider raises before or inside the handler without our tag, by their code.
const REASON_BY_ERROR: Record<string, ExchangeReason> = {
  invalid_client: 'client_authentication_failed',
  invalid_dpop_proof: 'dpop_proof_invalid',
  use_dpop_nonce: 'dpop_proof_invalid',
  unauthorized_client: 'grant_type_not_allowed',
};

function isProtocolError(error: unknown): error is errors.OIDCProviderError {
  return error instanceof errors.OIDCProviderError;
}

/** The reason code of a refusal: the tag we attached, or one derived from the provider's error. */
export function reasonOf(error: unknown): ExchangeReason {
  if (error instanceof Error && reasons.has(error)) {
    return reasons.get(error)!;
  }
  if (!isProtocolError(error) || error.statusCode >= 500) {
    return 'internal_error';
  }
  if (error.error_description === 'requested grant type is not allowed for this client') {
    return 'grant_type_not_allowed';
  }
  if (error.error_description === 'DPoP proof JWT Replay detected') {
    return 'dpop_proof_replayed';
  }
  return REASON_BY_ERROR[error.error] ?? 'request_malformed';
}

/** Answers whether a token endpoint request is a token exchange, by its grant_type. */
export function isExchangeRequest(ctx: KoaContextWithOIDC, grantType: string): boolean {
  const params = ctx.oidc?.params as { grant_type?: unknown } | undefined;
  return params?.grant_type === grantType;
}
