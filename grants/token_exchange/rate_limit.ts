import type { Knex } from 'knex';
import type { KoaContextWithOIDC } from 'oidc-provider';

import { refuse, TooManyExchanges } from './refusal.ts';

const TABLE = 'exchange_rate_limits';
const WINDOW_SECONDS = 60;

/** Whose exchanges are counted together, and how many a minute they may make. */
export interface RateLimitKey {
  clientId: string;
  accountId: string;
  /** handover.exchangesPerMinute; 0 turns the limit off. */
  perMinute: number;
}

interface CounterRow {
  count: number;
  retry_after: number | string;
}

// One upsert counts the request and reads the window back, so instances sharing the database
// share the counter and no two can both pass the last free slot. A window opens at the first
// exchange and lasts a minute; the row is reused for the next window.
const COUNT_SQL = `
insert into ${TABLE} (client_id, account_id, window_start, count)
values (?, ?, now(), 1)
on conflict (client_id, account_id) do update set
  count = case when ${TABLE}.window_start > now() - interval '${WINDOW_SECONDS} seconds'
    then ${TABLE}.count + 1 else 1 end,
  window_start = case when ${TABLE}.window_start > now() - interval '${WINDOW_SECONDS} seconds'
    then ${TABLE}.window_start else now() end
returning count,
  ceil(extract(epoch from window_start + interval '${WINDOW_SECONDS} seconds' - now()))
    as retry_after`;

/** Counts one exchange for the client and account; over the limit, answers 429 with Retry-After. */
export async function checkRateLimit(
  knex: Knex,
  ctx: KoaContextWithOIDC,
  key: RateLimitKey,
): Promise<void> {
  if (key.perMinute === 0) {
    return;
  }
  const result = await knex.raw<{ rows: CounterRow[] }>(COUNT_SQL, [key.clientId, key.accountId]);
  const row = result.rows[0]!;
  if (row.count > key.perMinute) {
    ctx.set('Retry-After', String(Math.max(1, Number(row.retry_after))));
    throw refuse(new TooManyExchanges(), 'rate_limited');
  }
}
