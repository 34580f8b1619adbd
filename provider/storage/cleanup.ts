import type { Knex } from 'knex';

import { describeError, log } from '../logging.ts';

/** Rows per delete: small enough that concurrent traffic never waits long on the table. */
const BATCH_SIZE = 500;
const MAX_BATCHES_PER_RUN = 200;

// Expired provider rows go after a minute (the provider's clock tolerance); handover rows are
// kept an hour so that a late replay is still recognised and audited.
const EXPIRED_TABLES = [
  { table: 'oidc_models', column: 'expires_at', grace: '1 minute' },
  { table: 'login_hint_tokens', column: 'expires_at', grace: '1 hour' },
  { table: 'login_failures', column: 'last_failure_at', grace: '1 day' },
] as const;

async function deleteBatch(
  knex: Knex,
  table: string,
  column: string,
  grace: string,
): Promise<number> {
  const result = await knex.raw(
    `delete from ${table} where ctid in ` +
      `(select ctid from ${table} where ${column} < now() - ?::interval limit ?)`,
    [grace, BATCH_SIZE],
  );
  return Number(result.rowCount ?? result.affectedRows ?? 0);
}

/** Deletes expired rows in small batches; returns how many went. */
export async function removeExpiredRows(knex: Knex): Promise<number> {
  let removed = 0;
  for (const { table, column, grace } of EXPIRED_TABLES) {
    for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch += 1) {
      const count = await deleteBatch(knex, table, column, grace);
      removed += count;
      if (count < BATCH_SIZE) {
        break;
      }
    }
  }
  return removed;
}

/** Runs the cleanup periodically; the returned function stops it. */
export function scheduleCleanup(knex: Knex, intervalMs: number): () => void {
  let running = false;
  const timer = setInterval(async () => {
    if (running) {
      return;
    }
    running = true;
    try {
      const removed = await removeExpiredRows(knex);
      if (removed > 0) {
        log('info', 'cleanup', { removed });
      }
    } catch (error) {
      log('warn', 'cleanup_failed', { error: describeError(error) });
    } finally {
      running = false;
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
