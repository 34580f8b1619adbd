import type { Context, Next } from 'koa';

import { errorPage } from '../interactions/pages.ts';

/** Seconds a client is asked to wait before retrying during an outage. */
const RETRY_AFTER_SECONDS = 5;

// Connection failures (node), connection exceptions (class 08), shutdowns (57P0x), and the
// statement and lock timeouts that keep one slow query from stalling the pool.
const OUTAGE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57014',
  '55P03',
  '57P01',
  '57P02',
  '57P03',
]);
const OUTAGE_MESSAGES = /Connection terminated|Timeout acquiring a connection|Connection ended/;

const outages = new WeakSet<object>();

/** Answers whether an error means the database cannot be reached (or answered too slowly). */
export function isDatabaseOutage(error: unknown): boolean {
  for (let cause = error, depth = 0; cause && depth < 5; depth += 1) {
    const { code, name, message } = cause as { code?: unknown; name?: unknown; message?: unknown };
    if (typeof code === 'string' && OUTAGE_CODES.has(code)) {
      return true;
    }
    if (name === 'KnexTimeoutError' || OUTAGE_MESSAGES.test(String(message))) {
      return true;
    }
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

/** Marks a request whose failure was a database outage; its 500 becomes a 503. */
export function noteServerError(ctx: object, error: unknown): void {
  if (isDatabaseOutage(error)) {
    outages.add(ctx);
  }
}

/**
 * Turns the 500 of a request that failed on a database outage into a 503 with
 * `temporarily_unavailable` (RFC 6749 §4.1.2.1) and Retry-After, so clients retry later
 * instead of reporting a bug. Error handlers upstream have already rendered the response.
 */
export async function databaseOutage(ctx: Context, next: Next): Promise<void> {
  await next();
  if (ctx.status !== 500 || !outages.has(ctx)) {
    return;
  }

  const description = 'the service is temporarily unavailable, retry later';
  ctx.status = 503;
  ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
  if (ctx.response.is('html')) {
    ctx.body = errorPage('temporarily_unavailable', description);
  } else {
    ctx.body = { error: 'temporarily_unavailable', error_description: description };
  }
}
