import type { Knex } from 'knex';

import type { AuditRow } from './audit.ts';
import {
  type ConsumeConditions,
  fromRow,
  type HandoverGrant,
  type Row,
  type StoredLoginHintToken,
  tokenColumns,
} from './login_hint_token.ts';

// The two writes on the handover's hot paths, each with its audit row in the same statement:
// one round trip instead of three, and the change commits together with its audit trail.

/** What storing an issued token takes besides the token: its lifetime, audit row and origin. */
export interface IssueRecord {
  ttlSeconds: number;
  audit: AuditRow;
  /** The subject token's browser session; one created by a handover may not hand over again. */
  sessionUid: string | undefined;
}

// Three steps, one round trip: refuse a subject whose session a handover created (handovers do
// not chain), store the token, and write its audit row only if the token was stored. The row
// and the token commit together.
const ISSUE_SQL = `
with chained as (
  select 1 from login_hint_tokens where session_uid = :session_uid and session_created
), stored as (
  insert into login_hint_tokens (id_hash, account_id, source_client_id, target_client_id,
    source_grant_id, auth_time, amr, acr, caller_ip, expires_at)
  select :id_hash, :account_id, :source_client_id, :target_client_id, :source_grant_id,
    :auth_time, cast(:amr as jsonb), :acr, :caller_ip, now() + :ttl * interval '1 second'
  where not exists (select 1 from chained)
  returning 1
)
insert into audit_events (event, reason, client_id, target_client_id, account_id, grant_id, ip)
select :event, :reason, :client_id, :audit_target_client_id, :audit_account_id, :grant_id, :ip
from stored
returning 1 as stored`;

/**
 * Stores a minted token's hash with its audit row in one statement; answers false, storing
 * nothing, when the subject's session was created by a handover.
 */
export async function storeIssuedLoginHintToken(
  knex: Knex,
  token: string,
  grant: HandoverGrant,
  record: IssueRecord,
): Promise<boolean> {
  const { audit } = record;
  const result = await knex.raw<{ rows: unknown[] }>(ISSUE_SQL, {
    session_uid: record.sessionUid ?? null,
    ...tokenColumns(token, grant),
    ttl: record.ttlSeconds,
    event: audit.event,
    reason: audit.reason,
    client_id: audit.client_id,
    audit_target_client_id: audit.target_client_id,
    audit_account_id: audit.account_id,
    grant_id: audit.grant_id,
    ip: audit.ip,
  });
  return result.rows.length === 1;
}

/** What a redemption writes together with the consume: the session and the audit event. */
export interface RedemptionRecord {
  session: { uid: string; created: boolean };
  audit: { event: AuditRow['event']; reason: string; clientId: string | undefined; ip: string };
}

// One round trip for the consume, the session it leads to and its audit row; the audit row
// takes the account, audience and source grant from the consumed row itself.
const REDEEM_SQL = `
with consumed as (
  update login_hint_tokens set consumed_at = now(), session_uid = :session_uid,
    session_created = :session_created
  where id_hash = :id_hash and consumed_at is null and expires_at > now()
    and target_client_id = :target_client_id
    and (cast(:binding_ip as text) is null or caller_ip = :binding_ip)
  returning *
), audited as (
  insert into audit_events (event, reason, client_id, target_client_id, account_id, grant_id, ip)
  select :event, :reason, :client_id, target_client_id, account_id, source_grant_id, :ip
  from consumed
)
select * from consumed`;

/**
 * Consumes a token like consumeLoginHintToken and, in the same statement, records the session
 * it leads to and the accepted audit row. The session is signed in only after this returns
 * the row: a crash in between burns the token and never yields a session.
 */
export async function redeemLoginHintToken(
  knex: Knex,
  tokenHash: Buffer,
  conditions: ConsumeConditions,
  record: RedemptionRecord,
): Promise<StoredLoginHintToken | undefined> {
  const result = await knex.raw<{ rows: Row[] }>(REDEEM_SQL, {
    session_uid: record.session.uid,
    session_created: record.session.created,
    id_hash: tokenHash,
    target_client_id: conditions.targetClientId,
    binding_ip: conditions.callerIp ?? null,
    event: record.audit.event,
    reason: record.audit.reason,
    client_id: record.audit.clientId ?? null,
    ip: record.audit.ip,
  });
  const row = result.rows[0];
  return row ? fromRow(row) : undefined;
}
