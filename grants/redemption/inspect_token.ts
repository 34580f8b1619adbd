import type { Knex } from 'knex';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';

import type { AccountRecord } from '../../provider/accounts.ts';
import { clientIp } from '../../provider/http/client_ip.ts';
import type { HandoverDeps } from '../handover.ts';
import { fromRow, type Row, type StoredLoginHintToken } from '../login_hint_token.ts';
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

// The token's row, its account when active, and whether the source grant is still live, in
// one round trip instead of three. The grant is found as the adapter stores it: by the SHA-256
// of its id, and expired when its expires_at has passed (what Grant.find refuses).
const INSPECT_SQL = `
select t.*, t.expires_at <= now() as expired,
  a.username as account_username, a.claims as account_claims,
  exists (
    select 1 from oidc_models g
    where g.model = 'Grant' and g.id_hash = sha256(convert_to(t.source_grant_id, 'UTF8'))
      and (g.expires_at is null or g.expires_at > now())
  ) as source_grant_live
from login_hint_tokens t
left join accounts a on a.id = t.account_id and not a.disabled
where t.id_hash = ?`;

interface InspectedRow extends Row {
  expired: boolean;
  account_username: string | null;
  account_claims: Record<string, unknown> | null;
  source_grant_live: boolean;
}

interface Inspected {
  token: StoredLoginHintToken & { expired: boolean };
  account: AccountRecord | undefined;
  sourceGrantLive: boolean;
}

async function loadInspected(knex: Knex, hash: Buffer): Promise<Inspected | undefined> {
  const result = await knex.raw<{ rows: InspectedRow[] }>(INSPECT_SQL, [hash]);
  const row = result.rows[0];
  if (!row) {
    return undefined;
  }
  const account =
    row.account_username === null
      ? undefined
      : {
          id: row.account_id,
          username: row.account_username,
          claims: row.account_claims ?? {},
          disabled: false,
        };
  const token = { ...fromRow(row), expired: Boolean(row.expired) };
  return { token, account, sourceGrantLive: Boolean(row.source_grant_live) };
}

/**
 * Looks at a token without consuming it: the reason it cannot be used, a replay, or the
 * account it stands for. The atomic consume afterwards remains the final word.
 */
export async function inspectToken(input: InspectionInput): Promise<Inspection> {
  const inspected = await loadInspected(input.knex, input.hash);
  if (!inspected) {
    return refused(REDEMPTION_REASON.unknown);
  }
  const { token, account } = inspected;

  if (token.consumedAt) {
    return { kind: 'replayed', token };
  }

  const reason = rowReason(token, input);
  if (reason) {
    return refused(reason, token);
  }

  if (!account) {
    return refused(REDEMPTION_REASON.accountDisabled, token);
  }

  if (!inspected.sourceGrantLive) {
    return refused(REDEMPTION_REASON.sourceGrantRevoked, token);
  }
  return { kind: 'usable', token, account };
}

/** The browser's IP when `handover.deviceBinding` is "ip"; undefined when binding is off. */
export function bindingIp(deps: HandoverDeps, ctx: Pick<Context, 'ip'>): string | undefined {
  return deps.config.handover.deviceBinding === 'ip' ? clientIp(ctx) : undefined;
}
