import type { Knex } from 'knex';
import { errors } from 'oidc-provider';
import { refuse } from './refusal.ts';
import type { Subject } from './subject_token.ts';

/**
 * Refuses a subject token whose session was created by a handover: handovers do not chain, so
 * a browser that received a session cannot pass it on to a third party (DESIGN invariant 11).
 */
export async function checkNotFromHandover(knex: Knex, subject: Subject): Promise<void> {
  if (subject.sessionUid === undefined) {
    return;
  }
  const row = await knex('login_hint_tokens')
    .where({ session_uid: subject.sessionUid, session_created: true })
    .first(knex.raw('1 as found'));
  if (row) {
    const error = new errors.InvalidRequest('subject_token is not acceptable');
    throw refuse(error, 'subject_from_handover');
  }
}
