import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Interaction, InteractionResults } from 'oidc-provider';

import type { HandoverDeps } from '../handover.ts';
import { consumeLoginHintToken } from '../login_hint_token.ts';
import { auditRedemption, type Requester } from './audit_redemption.ts';
import { bindingIp, inspectToken } from './inspect_token.ts';
import { REDEMPTION_REASON, type RedemptionReason } from './reasons.ts';
import { handleReplay } from './replay.ts';
import { demandsOfStoredParams, findStepUpReason } from './step_up.ts';

/** The confirmed switch: which token, for which interaction, asked by whom. */
export interface SwitchRedemption {
  provider: Provider;
  interaction: Interaction;
  hash: Buffer;
  requester: Requester;
}

function stepUpReason(
  interaction: Interaction,
  token: Parameters<typeof findStepUpReason>[1],
): RedemptionReason | undefined {
  // Time went by on the confirmation page: max_age is judged again, now.
  const demands = demandsOfStoredParams(interaction.params);
  return findStepUpReason(demands, token, Math.floor(Date.now() / 1000));
}

/**
 * Consumes the token after the user confirmed the switch; the login result carries the
 * original authentication. Undefined (and audited) when the token is no longer usable.
 */
export async function redeemForSwitch(
  ctx: Context,
  deps: HandoverDeps,
  redemption: SwitchRedemption,
): Promise<NonNullable<InteractionResults['login']> | undefined> {
  const { provider, interaction, hash, requester } = redemption;
  const clientId = String(interaction.params.client_id);
  const browserIp = bindingIp(deps, ctx);
  const inspection = await inspectToken({ provider, knex: deps.knex, hash, clientId, browserIp });
  if (inspection.kind === 'replayed') {
    await handleReplay(provider, deps, { token: inspection.token, requester });
    return undefined;
  }
  const refusal =
    inspection.kind === 'refused' ? inspection.reason : stepUpReason(interaction, inspection.token);
  const consumed = refusal
    ? undefined
    : await consumeLoginHintToken(deps.knex, hash, {
        targetClientId: clientId,
        callerIp: browserIp,
      });
  const event = consumed ? 'redemption.accepted' : 'redemption.refused';
  const reason = consumed
    ? REDEMPTION_REASON.accountSwitched
    : (refusal ?? REDEMPTION_REASON.unknown);
  const token = consumed ?? ('token' in inspection ? inspection.token : undefined);
  await auditRedemption(deps.knex, { event, reason, requester, token });
  if (!consumed) {
    return undefined;
  }
  const { accountId, authTime, amr, acr } = consumed;
  return { accountId, ts: authTime, amr, acr, remember: true };
}
