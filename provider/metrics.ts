import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, timingSafeEqual } from 'node:crypto';

import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

import type { AuditEvent } from '../grants/audit.ts';
import { REDEMPTION_REASON } from '../grants/redemption/reasons.ts';
import { EXCHANGE_REASON_CODES } from '../grants/token_exchange/reasons.ts';
import { type Database, statementCounter } from './storage/database.ts';

const PREFIX = 'oidc_handover_';

// A label must never carry a value from a request: reasons outside the documented codes are
// counted as "other".
const EXCHANGE_REASONS = new Set<string>(EXCHANGE_REASON_CODES);
const REDEMPTION_REASONS = new Set<string>(Object.values(REDEMPTION_REASON));
// What a refused redemption can say (the others are acceptance, replay and cascade codes).
const REDEMPTION_REFUSALS = Object.values(REDEMPTION_REASON).filter(
  (reason) => !/^(session_|account_switched|replay_|unused_)/.test(reason),
);

/** Every metric of the process; one registry, as one process runs one provider. */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

const registers = [metricsRegistry];

const issued = new Counter({
  name: `${PREFIX}login_hint_tokens_issued_total`,
  help: 'login_hint_tokens issued by the token exchange',
  registers,
});
const redeemed = new Counter({
  name: `${PREFIX}login_hint_tokens_redeemed_total`,
  help: 'login_hint_tokens redeemed at the authorization endpoint',
  registers,
});
const redemptionsRefused = new Counter({
  name: `${PREFIX}login_hint_tokens_refused_total`,
  help: 'login_hint_tokens presented at the authorization endpoint and refused, by reason code',
  labelNames: ['reason'],
  registers,
});
const exchangesRefused = new Counter({
  name: `${PREFIX}exchanges_refused_total`,
  help: 'token exchanges refused, by reason code',
  labelNames: ['reason'],
  registers,
});
// Every known code starts at 0, so that rate() and alerts see a series before its first event.
for (const reason of EXCHANGE_REASON_CODES.filter((code) => code !== 'issued')) {
  exchangesRefused.inc({ reason }, 0);
}
for (const reason of REDEMPTION_REFUSALS) {
  redemptionsRefused.inc({ reason }, 0);
}

const replays = new Counter({
  name: `${PREFIX}replays_detected_total`,
  help: 'second uses of a consumed login_hint_token',
  registers,
});
const cascades = new Counter({
  name: `${PREFIX}cascades_total`,
  help: 'revocations of an app grant that reached login_hint_tokens or browser sessions',
  registers,
});

// Latency buckets from 1 ms to 2.5 s: both requests normally take a few milliseconds.
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const exchangeLatency = new Histogram({
  name: `${PREFIX}exchange_duration_seconds`,
  help: 'duration of token exchange requests, by outcome (issued, refused)',
  labelNames: ['outcome'],
  buckets: LATENCY_BUCKETS,
  registers,
});
const redemptionLatency = new Histogram({
  name: `${PREFIX}redemption_duration_seconds`,
  help: 'duration of authorization requests that presented a login_hint_token, by outcome',
  labelNames: ['outcome'],
  buckets: LATENCY_BUCKETS,
  registers,
});

new Counter({
  name: `${PREFIX}db_statements_total`,
  help: 'SQL statements sent to the database by this process',
  registers,
  collect() {
    this.reset();
    this.inc(statementCounter.count);
  },
});
const poolInUse = new Gauge({
  name: `${PREFIX}db_pool_in_use`,
  help: 'database connections currently lent to a query',
  registers,
});
const poolWaiting = new Gauge({
  name: `${PREFIX}db_pool_waiting`,
  help: 'queries waiting for a free database connection',
  registers,
});

/** The audit events seen while serving one request, to label its latency. */
const requestEvents = new AsyncLocalStorage<AuditEvent['event'][]>();

function reasonLabel(known: Set<string>, reason: string): string {
  return known.has(reason) ? reason : 'other';
}

const COUNTERS: Record<AuditEvent['event'], (reason: string) => void> = {
  'exchange.issued': () => issued.inc(),
  'exchange.refused': (reason) =>
    exchangesRefused.inc({ reason: reasonLabel(EXCHANGE_REASONS, reason) }),
  'redemption.accepted': () => redeemed.inc(),
  'redemption.refused': (reason) =>
    redemptionsRefused.inc({ reason: reasonLabel(REDEMPTION_REASONS, reason) }),
  'redemption.replayed': () => replays.inc(),
  'cascade.revoked': () => cascades.inc(),
};

/** Counts one audit event; called for every event that recordAudit writes. */
export function countAuditEvent(event: AuditEvent): void {
  requestEvents.getStore()?.push(event.event);
  COUNTERS[event.event](event.reason);
}

function observeLatency(events: AuditEvent['event'][], seconds: number): void {
  const exchange = events.find((event) => event.startsWith('exchange.'));
  if (exchange) {
    exchangeLatency.observe({ outcome: exchange.slice('exchange.'.length) }, seconds);
  }
  const redemption = events.find((event) => event.startsWith('redemption.'));
  if (redemption) {
    redemptionLatency.observe({ outcome: redemption.slice('redemption.'.length) }, seconds);
  }
}

/**
 * Koa middleware timing every request; those that recorded an exchange or redemption audit
 * event feed the latency histograms, so no route or parameter parsing is repeated here.
 */
export async function measureHandoverLatency(_ctx: Context, next: Next): Promise<void> {
  const events: AuditEvent['event'][] = [];
  const started = performance.now();
  try {
    await requestEvents.run(events, next);
  } finally {
    if (events.length > 0) {
      observeLatency(events, (performance.now() - started) / 1000);
    }
  }
}

interface PoolStats {
  numUsed(): number;
  numPendingAcquires(): number;
}

function readPoolStats(database: Database): void {
  // knex keeps its tarn pool on the client; PGlite's single connection has one too.
  const pool = (database.knex.client as { pool?: PoolStats }).pool;
  poolInUse.set(pool ? pool.numUsed() : 0);
  poolWaiting.set(pool ? pool.numPendingAcquires() : 0);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function isAuthorized(ctx: Context, token: string | undefined): boolean {
  if (token === undefined) {
    return true;
  }
  const presented = /^Bearer (.+)$/.exec(ctx.get('authorization'))?.[1] ?? '';
  // Comparing digests keeps the comparison constant-time whatever the presented length.
  return timingSafeEqual(digest(presented), digest(token));
}

/** GET /metrics in Prometheus text format; with a token configured, only for its bearer. */
export function createMetricsRouter(database: Database, token: string | undefined): Router {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    if (!isAuthorized(ctx, token)) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
      ctx.body = { error: 'invalid_token' };
      return;
    }
    readPoolStats(database);
    ctx.set('Cache-Control', 'no-store');
    ctx.type = metricsRegistry.contentType;
    ctx.body = await metricsRegistry.metrics();
  });
  return router;
}
