/**
 * Every reason code the token exchange writes to the audit log, with what it means. The README,
 * the metrics and the tests read this list; a refusal with a reason outside it cannot be thrown.
 */
export const EXCHANGE_REASONS = {
  issued: 'a login_hint_token was issued',
  grant_type_not_allowed: "the client's grant_types do not include the token exchange",
  client_authentication_failed: 'the client could not be authenticated',
  request_malformed: 'the request broke a rule of the token endpoint (e.g. a repeated parameter)',
  parameter_missing: 'subject_token or subject_token_type is missing',
  requested_token_type_unsupported: 'requested_token_type names something other than the hint',
  resource_not_supported: 'resource was sent; the exchange has no resource servers',
  actor_token_not_supported: 'actor_token or actor_token_type was sent; there is no delegation',
  scope_not_supported: 'scope was sent; the login_hint_token carries no scope',
  subject_type_unsupported: 'subject_token_type is not one this provider knows',
  subject_type_disabled: 'subject_token_type is switched off by handover.subjectTokenTypes',
  subject_id_token: 'an ID token was sent as the subject token',
  subject_jwt_access_token: 'a structured (JWT) access token was sent; it cannot be revoked',
  subject_not_found: 'the subject token is unknown (never issued, revoked or removed)',
  subject_other_client: 'the subject token was issued to another client',
  subject_expired: 'the subject token has expired',
  subject_consumed: 'a rotated refresh token was replayed; its grant is now revoked',
  subject_revoked: "the subject token's grant is revoked or expired",
  subject_account_inactive: "the subject token's account is disabled or gone",
  subject_without_auth_time: 'the subject token does not carry the original auth_time',
  subject_from_handover: 'the subject token belongs to a session created by a handover',
  subject_dpop_missing: 'the subject token is DPoP-bound and no DPoP proof was sent',
  subject_dpop_mismatch: 'the DPoP proof is for another key than the subject token',
  subject_mtls_mismatch: 'the subject token is certificate-bound and the certificate differs',
  dpop_proof_required: 'the client requires DPoP and no proof was sent',
  dpop_proof_invalid: 'the DPoP proof is malformed, expired or for another request',
  dpop_proof_replayed: 'the DPoP proof was used before',
  audience_missing: 'audience is missing',
  audience_multiple: 'audience names more than one client',
  audience_unknown: 'audience names no registered client',
  audience_not_allowed: 'handover.allow does not let this client hand over to the audience',
  rate_limited: 'handover.exchangesPerMinute was exceeded for this client and account',
  internal_error: 'the provider failed (a storage error); the request did nothing',
} as const;

/** One documented reason code of the token exchange. */
export type ExchangeReason = keyof typeof EXCHANGE_REASONS;

/** The reason codes, for metrics that must know every label in advance. */
export const EXCHANGE_REASON_CODES = Object.keys(EXCHANGE_REASONS) as ExchangeReason[];
