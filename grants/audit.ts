import type { Knex } from 'knex';

import { describeError, log } from '../provider/logging.ts';
import { countAuditEvent } from '../provider/metrics.ts';

/** One audit event: what happened and the documented reason code; never a token value. */
export interface AuditEvent {
  event:
    | 'exchange.issued'
    | 'exchange.refused'
    | 'redemption.accepted'
    | 'redemption.refused'
    | 'redemption.replayed'
    | 'cascade.revoked';
  reason: string;
  clientId?: string | undefined;
  targetClientId?: string | undefined;
  accountId?: string | undefined;
  grantId?: string | undefined;
  ip?: string | undefined;
}

/** Writes an audit event as a log line and a row of the audit table, and counts it. */
export async function recordAudit(knex: Knex, event: AuditEvent): Promise<void> {
  countAuditEvent(event);
  log(
    event.event.endsWith('refused') || event.event.endsWith('replayed') ? 'warn' : 'info',
    'audit',
    {
      audit_event: event.event,
      reason: event.reason,
      client_id: event.clientId,
      target_client_id: event.targetClientId,
      account_id: event.accountId,
      grant_id: event.grantId,
      ip: event.ip,
    },
  );
  try {
    await knex('audit_events').insert({
      event: event.event,
      reason: event.reason,
      client_id: event.clientId ?? null,
      target_client_id: event.targetClientId ?? null,
      account_id: event.accountId ?? null,
      grant_id: event.grantId ?? null,
      ip: event.ip ?? null,
    });
  } catch (error) {
    // The log line above already carries the event; a failed insert must not fail the request.
    log('error', 'audit_write_failed', { error: describeError(error) });
  }
}
