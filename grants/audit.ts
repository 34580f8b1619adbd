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

/** An audit event as a row of the audit_events table. */
export interface AuditRow {
  event: AuditEvent['event'];
  reason: string;
  client_id: string | null;
  target_client_id: string | null;
  account_id: string | null;
  grant_id: string | null;
  ip: string | null;
}

/** The audit_events row of an event. */
export function auditRow(event: AuditEvent): AuditRow {
  return {
    event: event.event,
    reason: event.reason,
    client_id: event.clientId ?? null,
    target_client_id: event.targetClientId ?? null,
    account_id: event.accountId ?? null,
    grant_id: event.grantId ?? null,
    ip: event.ip ?? null,
  };
}

/**
 * Writes an event's log line and counts it in the metrics. For callers that store the row in
 * the same statement as the change it records; everyone else calls recordAudit.
 */
export function announceAudit(event: AuditEvent): void {
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
}

/** Writes an audit event as a log line and a row of the audit table, and counts it. */
export async function recordAudit(knex: Knex, event: AuditEvent): Promise<void> {
  announceAudit(event);
  try {
    await knex('audit_events').insert(auditRow(event));
  } catch (error) {
    // The log line above already carries the event; a failed insert must not fail the request.
    log('error', 'audit_write_failed', { error: describeError(error) });
  }
}
