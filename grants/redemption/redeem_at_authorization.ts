import type { KoaContextWithOIDC } from 'oidc-provider';

import { rememberAccountForRequest } from '../../provider/accounts.ts';
import { clientIp } from '../../provider/http/client_ip.ts';
import { redeemLoginHintToken } from '../audited_writes.ts';
import type { HandoverDeps } from '../handover.ts';
import { auditRedemption, type Requester } from './audit_redemption.ts';
import { establishSession, redemptionRecord } from './establish_session.ts';
import { bindingIp, type Inspection, inspectToken } from './inspect_token.ts';
import { REDEMPTION_REASON, type RedemptionReason } from './reasons.ts';
import { handleReplay } from './replay.ts';
import { markRequest } from './request_marks.ts';
import { demandsOfRequest, findStepUpReason } from './step_up.ts';
import {
  createTokenReference,
  isTokenReference,
  rawTokenHash,
  referencedHash,
} from './token_reference.ts';

type Params = Record<string, unknown>;

interface Redemption {
  ctx: KoaContextWithOIDC;
  deps: HandoverDeps;
  hash: Buffer;
  requester: Requester;
}

/** The token hash named by the parameter, or why the parameter names none. */
function presentedHash(ctx: KoaContextWithOIDC, value: unknown): Buffer | RedemptionReason {
  if (isTokenReference(value)) {
    // Only a pushed request holds references (the PAR endpoint made it): never the browser.
    const pushed = 'PushedAuthorizationRequest' in ctx.oidc.entities;
    return pushed ? referencedHash(value) : REDEMPTION_REASON.referenceOutsidePar;
  }
  return rawTokenHash(value) ?? REDEMPTION_REASON.malformed;
}

function refuse(redemption: Redemption, reason: RedemptionReason, inspection?: Inspection) {
  const token = inspection && 'token' in inspection ? inspection.token : undefined;
  const { knex } = redemption.deps;
  const { requester } = redemption;
  return auditRedemption(knex, { event: 'redemption.refused', reason, requester, token });
}

async function handleRefusal(redemption: Redemption, inspection: Inspection): Promise<void> {
  if (inspection.kind === 'replayed') {
    const { ctx, deps, requester } = redemption;
    const { session } = ctx.oidc;
    await handleReplay(ctx.oidc.provider, deps, { token: inspection.token, requester, session });
    return;
  }
  // A usable verdict here means the consume lost a race it should have won: refuse anyway.
  const reason = inspection.kind === 'refused' ? inspection.reason : REDEMPTION_REASON.unknown;
  await refuse(redemption, reason, inspection);
}

async function redeemUsable(
  redemption: Redemption,
  inspection: Extract<Inspection, { kind: 'usable' }>,
): Promise<void> {
  const { ctx, deps, hash } = redemption;
  const { token, account } = inspection;
  const stepUp = findStepUpReason(demandsOfRequest(ctx), token, Math.floor(Date.now() / 1000));
  if (stepUp) {
    // Not consumed: the real login page, with the username filled in, follows.
    (ctx.oidc.params as Params).login_hint = account.username;
    markRequest(ctx, { stepUpAccountId: token.accountId });
    await refuse(redemption, stepUp, inspection);
    return;
  }

  const signedIn = ctx.oidc.session?.accountId;
  if (signedIn !== undefined && signedIn !== token.accountId) {
    // Never switch silently: the interaction asks, and consumes the token on confirmation.
    (ctx.oidc.params as Params).login_hint_token = createTokenReference(hash);
    markRequest(ctx, { switchToAccountId: token.accountId });
    await refuse(redemption, REDEMPTION_REASON.switchPending, inspection);
    return;
  }

  const conditions = { targetClientId: ctx.oidc.client!.clientId, callerIp: bindingIp(deps, ctx) };
  const record = redemptionRecord(ctx, redemption.requester);
  const consumed = await redeemLoginHintToken(deps.knex, hash, conditions, record);
  if (!consumed) {
    await handleRefusal(redemption, await inspect(redemption));
    return;
  }
  // The inspection read the account a moment ago: the provider's own lookup reuses it.
  rememberAccountForRequest(ctx, account);
  establishSession(ctx, { ...redemption, token: consumed });
}

function inspect(redemption: Redemption): Promise<Inspection> {
  const { ctx, deps, hash } = redemption;
  return inspectToken({
    provider: ctx.oidc.provider,
    knex: deps.knex,
    hash,
    clientId: ctx.oidc.client!.clientId,
    browserIp: bindingIp(deps, ctx),
  });
}

/**
 * The /auth half of the redemption, run by the provider after the request was validated and
 * before any prompt is decided: consumes a usable token and signs the browser in with it.
 * Anything wrong with the token is audited and the request goes on as if it had none.
 */
export async function redeemAtAuthorization(
  ctx: KoaContextWithOIDC,
  deps: HandoverDeps,
): Promise<void> {
  const params = ctx.oidc.params as Params;
  const value = params.login_hint_token;
  if (value === undefined) {
    return;
  }
  // The raw value goes no further: not into interactions, events or logs.
  params.login_hint_token = undefined;
  const requester = { clientId: ctx.oidc.client?.clientId, ip: clientIp(ctx) };

  const hash = presentedHash(ctx, value);
  if (!Buffer.isBuffer(hash)) {
    await auditRedemption(deps.knex, { event: 'redemption.refused', reason: hash, requester });
    return;
  }

  const redemption = { ctx, deps, hash, requester };
  const inspection = await inspect(redemption);
  if (inspection.kind !== 'usable') {
    await handleRefusal(redemption, inspection);
    return;
  }
  await redeemUsable(redemption, inspection);
}
