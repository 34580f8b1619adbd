/**
 * Every reason code the redemption writes to the audit log, in one place so that operators
 * can grep for them and the README can list them. None of them ever reaches the browser.
 */
export const REDEMPTION_REASON = {
  // redemption.accepted: the token was consumed.
  sessionCreated: 'session_created',
  sessionReused: 'session_reused',
  accountSwitched: 'account_switched',
  // redemption.refused: the request goes on as if no token had been sent.
  malformed: 'malformed',
  referenceOutsidePar: 'reference_outside_par',
  unknown: 'unknown_token',
  expired: 'expired',
  wrongAudience: 'wrong_audience',
  bindingMismatch: 'binding_mismatch',
  sourceGrantRevoked: 'source_grant_revoked',
  accountDisabled: 'account_disabled',
  // redemption.refused, not consumed: the request asks for more than the original login gives.
  stepUpPromptLogin: 'step_up_prompt_login',
  stepUpMaxAge: 'step_up_max_age',
  stepUpAcrValues: 'step_up_acr_values',
  stepUpEssentialAcr: 'step_up_essential_acr',
  stepUpSubject: 'step_up_subject',
  // redemption.refused, not consumed: another account is signed in and must be asked first.
  switchPending: 'account_switch_pending',
  switchDeclined: 'account_switch_declined',
  // redemption.replayed: a consumed token came back.
  replaySessionEnded: 'replay_session_ended',
  replayNoSession: 'replay_no_session',
  // cascade.revoked: the source grant was revoked.
  tokensInvalidated: 'unused_tokens_invalidated',
  sessionEnded: 'session_ended',
} as const;

/** One of the reason codes above. */
export type RedemptionReason = (typeof REDEMPTION_REASON)[keyof typeof REDEMPTION_REASON];
