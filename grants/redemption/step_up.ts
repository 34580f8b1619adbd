import type { KoaContextWithOIDC } from 'oidc-provider';

import type { StoredLoginHintToken } from '../login_hint_token.ts';
import { REDEMPTION_REASON, type RedemptionReason } from './reasons.ts';

/** The parts of an authorization request that can ask for more than a past login gives. */
export interface AuthenticationDemands {
  prompts: ReadonlySet<string>;
  maxAge: string | undefined;
  acrValues: string | undefined;
  /** The `claims` parameter as JSON text, when the provider accepts it. */
  claims: string | undefined;
  /** The `sub` the request insists on (id_token_hint, claims.id_token.sub.value). */
  subjects: string[];
  /** Pairwise clients see another `sub`; such a demand is then always met by a real login. */
  pairwise: boolean;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

interface AcrRequest {
  essential?: unknown;
  value?: unknown;
  values?: unknown;
}

function idTokenClaims(claims: string | undefined): Record<string, unknown> {
  try {
    const parsed: unknown = claims ? JSON.parse(claims) : undefined;
    const idToken = (parsed as { id_token?: unknown } | undefined)?.id_token;
    return typeof idToken === 'object' && idToken !== null
      ? (idToken as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

function claimedSubject(claims: string | undefined): string | undefined {
  const sub = idTokenClaims(claims).sub as { value?: unknown } | undefined;
  return text(sub?.value);
}

/** What an authorization request at /auth demands, read after the provider validated it. */
export function demandsOfRequest(ctx: KoaContextWithOIDC): AuthenticationDemands {
  const params = (ctx.oidc.params ?? {}) as Record<string, unknown>;
  const hint = ctx.oidc.entities.IdTokenHint?.payload.sub;
  const claims = text(params.claims);
  const subjects = [text(hint), claimedSubject(claims)].filter((sub) => sub !== undefined);
  return {
    prompts: ctx.oidc.prompts,
    maxAge: text(params.max_age),
    acrValues: text(params.acr_values),
    claims,
    subjects,
    pairwise: ctx.oidc.client?.subjectType === 'pairwise',
  };
}

function isEssentialAcrUnmet(claims: string | undefined, acr: string | undefined): boolean {
  const request = idTokenClaims(claims).acr as AcrRequest | undefined;
  if (!request?.essential) {
    return false;
  }
  if (Array.isArray(request.values)) {
    return !request.values.includes(acr);
  }
  return request.value !== undefined && request.value !== acr;
}

function isSubjectUnmet(demands: AuthenticationDemands, accountId: string): boolean {
  return demands.subjects.some((sub) => demands.pairwise || sub !== accountId);
}

/**
 * Why a token's original login is not enough for this request (then the user gets a real
 * login), or undefined when it is. A handover never weakens what the website asked for.
 */
export function findStepUpReason(
  demands: AuthenticationDemands,
  token: StoredLoginHintToken,
  nowSeconds: number,
): RedemptionReason | undefined {
  if (demands.prompts.has('login')) {
    return REDEMPTION_REASON.stepUpPromptLogin;
  }
  if (demands.maxAge !== undefined && nowSeconds - token.authTime > Number(demands.maxAge)) {
    return REDEMPTION_REASON.stepUpMaxAge;
  }
  if (demands.acrValues && !demands.acrValues.split(' ').includes(token.acr ?? '')) {
    return REDEMPTION_REASON.stepUpAcrValues;
  }
  if (isEssentialAcrUnmet(demands.claims, token.acr)) {
    return REDEMPTION_REASON.stepUpEssentialAcr;
  }
  if (isSubjectUnmet(demands, token.accountId)) {
    return REDEMPTION_REASON.stepUpSubject;
  }
  return undefined;
}

/** The same demands read from a stored interaction's parameters (id_token_hint was checked). */
export function demandsOfStoredParams(params: Record<string, unknown>): AuthenticationDemands {
  return {
    prompts: new Set((text(params.prompt) ?? '').split(' ').filter(Boolean)),
    maxAge: text(params.max_age),
    acrValues: text(params.acr_values),
    claims: text(params.claims),
    subjects: [],
    pairwise: false,
  };
}
