import type { Knex } from 'knex';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';

import { type AccountRecord, loadAccount } from '../../provider/accounts.ts';
import { clientIp } from '../../provider/http/client_ip.ts';
import type { HandoverDeps } from '../handover.ts';
import { loadLoginHintToken, type StoredLoginHintToken } from '../login_hint_token.ts';
import { REDEMPTION_REASON, type RedemptionReason } from './reasons.ts';

/** What a token is checked against, besides its own row. */
export interface InspectionInput {
  provider: Provider;
  knex: Knex;
  hash: Buffer;
  clientId: string;
  /** The browser's IP when device binding is on; undefined skips the comparison. */
  browserIp: string | undefined;
}

/** The verdict on a token before it is consumed. */
export type Inspection =
  | { kind: 'usable'; token: StoredLoginHintToken; account: AccountRecord }
  | { kind: 'replayed'; token: StoredLoginHintToken }
  | { kind: 'refused'; reason: RedemptionReason; token?: StoredLoginHintToken };

function refused(reason: RedemptionReason, token?: StoredLoginHintToken): Inspection {
  return token ? { kind: 'refused', reason, token } : { kind: 'refused', reason };
}

function rowReason(
  token: StoredLoginHintToken & { expired: boolean },
  input: InspectionInput,
): RedemptionReason | undefined {
  if (token.expired) {
    return REDEMPTION_REASON.expired;
  }
  if (token.targetClientId !== input.clientId) {
    return REDEMPTION_REASON.wrongAudience;
  }
  if (input.browserIp !== undefined && token.callerIp !== input.browserIp) {
    return REDEMPTION_REASON.bindingMismatch;
  }
  return undefined;
}

async function isSourceGrantLive(provider: Provider, grantId: string): Promise<boolean> {
  // Grant.find also refuses an expired grant.
  return (await provider.Grant.find(grantId)) !== undefined;
}

/**
 * Looks at a token without consuming it: the reason it cannot be used, a replay, or the
 * account it stands for. The atomic consume afterwards remains the final word.
 */
export async function inspectToken(input: InspectionInput): Promise<Inspection> {
  const token = await loadLoginHintToken(input.knex, input.hash);
  if (!token) {
    return refused(REDEMPTION_REASON.unknown);
  }

  if (token.consumedAt) {
    return { kind: 'replayed', token };
  }

  const reason = rowReason(token, input);
  if (reason) {
    return refused(reason, token);
  }

  const account = await loadAccount(input.knex, token.accountId);
  if (!account) {
    return refused(REDEMPTION_REASON.accountDisabled, token);
  }

  if (!(await isSourceGrantLive(input.provider, token.sourceGrantId))) {
    return refused(REDEMPTION_REASON.sourceGrantRevoked, token);
  }
  return { kind: 'usable', token, account };
}

/** The browser's IP when `handover.deviceBinding` is "ip"; undefined when binding is off. */
export function bindingIp(deps: HandoverDeps, ctx: Pick<Context, 'ip'>): string | undefined {
  return deps.config.handover.deviceBinding === 'ip' ? clientIp(ctx) : undefined;
}
