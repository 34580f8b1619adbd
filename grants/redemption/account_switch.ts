import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Interaction, InteractionResults } from 'oidc-provider';

import { loadAccount } from '../../provider/accounts.ts';
import { clientIp } from '../../provider/http/client_ip.ts';
import { switchAccountPage } from '../../provider/interactions/pages.ts';
import type { InteractionExtension } from '../../provider/interactions/router.ts';
import type { HandoverDeps } from '../handover.ts';
import { auditRedemption, type Requester } from './audit_redemption.ts';
import { ACCOUNT_SWITCH_REASON } from './policy.ts';
import { REDEMPTION_REASON } from './reasons.ts';
import { redeemForSwitch } from './redeem_for_switch.ts';
import { isTokenReference, referencedHash } from './token_reference.ts';

type LoginResult = NonNullable<InteractionResults['login']>;

function isAccountSwitch(interaction: Interaction): boolean {
  return interaction.prompt.reasons.includes(ACCOUNT_SWITCH_REASON);
}

function paths(uid: string): { confirm: string; decline: string } {
  const base = `/interaction/${encodeURIComponent(uid)}`;
  return { confirm: `${base}/switch`, decline: `${base}/stay` };
}

async function username(deps: HandoverDeps, accountId: unknown): Promise<string> {
  const account =
    typeof accountId === 'string' ? await loadAccount(deps.knex, accountId) : undefined;
  return account?.username ?? 'another account';
}

async function show(ctx: Context, deps: HandoverDeps, interaction: Interaction): Promise<boolean> {
  if (!isAccountSwitch(interaction)) {
    return false;
  }
  const { confirm, decline } = paths(interaction.uid);
  ctx.body = switchAccountPage({
    confirmAction: confirm,
    declineAction: decline,
    currentUser: await username(deps, interaction.session?.accountId),
    newUser: await username(deps, interaction.prompt.details.handover_account_id),
  });
  return true;
}

/** Loads the pending switch and takes the token reference out of the stored interaction. */
async function takeReference(ctx: Context, provider: Provider): Promise<Interaction> {
  const interaction = await provider.interactionDetails(ctx.req, ctx.res);
  if (!isAccountSwitch(interaction)) {
    ctx.throw(400, 'no account switch is pending for this interaction');
  }
  const reference = interaction.params.login_hint_token;
  // Whatever the answer, the flow resumes without the token: it cannot ask twice.
  delete interaction.params.login_hint_token;
  await interaction.persist();
  interaction.params.login_hint_token = reference;
  return interaction;
}

async function finish(ctx: Context, provider: Provider, result: InteractionResults) {
  await provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  ctx.respond = false;
}

function requesterOf(ctx: Context, interaction: Interaction): Requester {
  return { clientId: String(interaction.params.client_id), ip: clientIp(ctx) };
}

async function confirm(ctx: Context, provider: Provider, deps: HandoverDeps): Promise<void> {
  const interaction = await takeReference(ctx, provider);
  const reference = interaction.params.login_hint_token;
  const login: LoginResult | undefined = isTokenReference(reference)
    ? await redeemForSwitch(ctx, deps, {
        provider,
        interaction,
        hash: referencedHash(reference),
        requester: requesterOf(ctx, interaction),
      })
    : undefined;
  // An unusable token leaves the choice to what a decline gives: SSO for the current account.
  // The reference rides along so that the resumed request can record the session it creates.
  await finish(ctx, provider, login ? { login, handover: { reference } } : {});
}

async function decline(ctx: Context, provider: Provider, deps: HandoverDeps): Promise<void> {
  const interaction = await takeReference(ctx, provider);
  const requester = requesterOf(ctx, interaction);
  await auditRedemption(deps.knex, {
    event: 'redemption.refused',
    reason: REDEMPTION_REASON.switchDeclined,
    requester,
  });
  await finish(ctx, provider, {});
}

/** The confirmation page "signed in here as Y; continue as X?" and its two answers. */
export function accountSwitchInteractions(deps: HandoverDeps): InteractionExtension {
  return {
    show: (ctx, _provider, interaction) => show(ctx, deps, interaction),
    mount(router: Router, provider: Provider) {
      router.post('/interaction/:uid/switch', (ctx) => confirm(ctx, provider, deps));
      router.post('/interaction/:uid/stay', (ctx) => decline(ctx, provider, deps));
    },
  };
}
