/** What the /auth validator decided for one request, for the login policy checks to act on. */
export interface RedemptionMark {
  /** A real login is needed: a session for any other account must not answer this request. */
  stepUpAccountId?: string;
  /** Another account is signed in here: ask before switching to this one. */
  switchToAccountId?: string;
  /** A new session was made from a token of this source grant; checked again once saved. */
  redeemedFrom?: { grantId: string; sessionUid: string };
}

// Keyed by the request context, so a mark lives exactly as long as its request.
const marks = new WeakMap<object, RedemptionMark>();

/** Leaves a mark on this request for the policy checks. */
export function markRequest(ctx: object, mark: RedemptionMark): void {
  marks.set(ctx, { ...marks.get(ctx), ...mark });
}

/** The mark the validator left on this request, if any. */
export function readMark(ctx: object): RedemptionMark | undefined {
  return marks.get(ctx);
}
