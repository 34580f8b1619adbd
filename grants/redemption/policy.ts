import type { Knex } from 'knex';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { interactionPolicy } from 'oidc-provider';

import { loadLoginHintToken } from '../login_hint_token.ts';
import { readMark } from './request_marks.ts';
import { isTokenReference, referencedHash } from './token_reference.ts';

/** The login prompt reason under which the interaction asks before switching accounts. */
export const ACCOUNT_SWITCH_REASON = 'login_hint_token_account_switch';

const { Check } = interactionPolicy;

function hasFreshLogin(ctx: KoaContextWithOIDC): boolean {
  return ctx.oidc.result?.login !== undefined;
}

function isSignedInAsOther(ctx: KoaContextWithOIDC, accountId: string | undefined): boolean {
  const signedIn = ctx.oidc.session?.accountId;
  return accountId !== undefined && signedIn !== undefined && signedIn !== accountId;
}

// The default policy treats acr_values as voluntary; an unmet one then never forces a login.
function acrValuesCheck(): interactionPolicy.Check {
  return new Check('acr_values', 'requested ACR could not be obtained', 'login_required', (ctx) => {
    const acrValues = (ctx.oidc.params as Record<string, unknown>).acr_values;
    if (typeof acrValues !== 'string' || !ctx.oidc.session?.accountId || hasFreshLogin(ctx)) {
      return false;
    }
    return !acrValues.split(' ').includes(ctx.oidc.session.acr ?? '');
  });
}

// A token that is not enough for the request must not let another account's session answer.
function stepUpCheck(): interactionPolicy.Check {
  return new Check(
    'login_hint_token_step_up',
    'End-User authentication is required',
    'login_required',
    (ctx) => !hasFreshLogin(ctx) && isSignedInAsOther(ctx, readMark(ctx)?.stepUpAccountId),
  );
}

async function switchTarget(ctx: KoaContextWithOIDC, knex: Knex): Promise<string | undefined> {
  const marked = readMark(ctx)?.switchToAccountId;
  const reference = (ctx.oidc.params as Record<string, unknown>).login_hint_token;
  if (marked || ctx.oidc.route !== 'resume' || !isTokenReference(reference)) {
    return marked;
  }
  // Resumed without an answer: the interaction's reference still names the account.
  const token = await loadLoginHintToken(knex, referencedHash(reference));
  return token && !token.consumedAt ? token.accountId : undefined;
}

function accountSwitchCheck(knex: Knex): interactionPolicy.Check {
  return new Check(
    ACCOUNT_SWITCH_REASON,
    'another account is signed in',
    'login_required',
    async (ctx) => !hasFreshLogin(ctx) && isSignedInAsOther(ctx, await switchTarget(ctx, knex)),
    async (ctx) => ({ handover_account_id: await switchTarget(ctx, knex) }),
  );
}

/** The provider's default policy plus the login checks the redemption needs. */
export function createRedemptionPolicy(knex: Knex): interactionPolicy.Prompt[] {
  const policy = interactionPolicy.base();
  const login = policy.get('login')!;
  login.checks.add(acrValuesCheck());
  login.checks.add(stepUpCheck());
  login.checks.add(accountSwitchCheck(knex));
  return policy;
}
