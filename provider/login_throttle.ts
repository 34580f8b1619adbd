import { createHash } from 'node:crypto';

import type { Knex } from 'knex';

/** Failures allowed before each further attempt has to wait. */
const FREE_FAILURES = 5;
const MAX_DELAY_SECONDS = 15 * 60;

function throttleKey(username: string, ip: string): string {
  return createHash('sha256').update(`${username.toLowerCase()}\u0000${ip}`).digest('base64url');
}

/** Seconds the next attempt for this username and IP must still wait; 0 when it may go on. */
export async function secondsUntilNextAttempt(
  knex: Knex,
  username: string,
  ip: string,
): Promise<number> {
  const row = await knex('login_failures')
    .where('key_hash', throttleKey(username, ip))
    .first(
      'failures',
      knex.raw('extract(epoch from (now() - last_failure_at))::float8 as elapsed'),
    );
  if (!row || row.failures < FREE_FAILURES) {
    return 0;
  }
  const delay = Math.min(2 ** (row.failures - FREE_FAILURES), MAX_DELAY_SECONDS);
  return Math.max(0, Math.ceil(delay - Number(row.elapsed)));
}

/** Counts one failed attempt for this username and IP. */
export async function recordLoginFailure(knex: Knex, username: string, ip: string): Promise<void> {
  await knex('login_failures')
    .insert({ key_hash: throttleKey(username, ip), failures: 1, last_failure_at: knex.fn.now() })
    .onConflict('key_hash')
    .merge({
      failures: knex.raw('login_failures.failures + 1'),
      last_failure_at: knex.fn.now(),
    });
}

/** Forgets the failures of this username and IP after a successful login. */
export async function clearLoginFailures(knex: Knex, username: string, ip: string): Promise<void> {
  await knex('login_failures').where('key_hash', throttleKey(username, ip)).delete();
}
