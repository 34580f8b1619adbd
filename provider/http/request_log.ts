import type { Context, Next } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';

import { log } from '../logging.ts';

// Path segments that carry an opaque id (interaction uid, resume uid) are logged as placeholders.
const ROUTE_PATTERNS: [RegExp, string][] = [
  [/^\/interaction\/[^/]+/, '/interaction/:uid'],
  [/^\/auth\/[^/]+/, '/auth/:uid'],
  [/^\/session\/end\/confirm/, '/session/end/confirm'],
];

/** The request path with opaque ids replaced; the query string is never part of it. */
export function routeOf(path: string): string {
  for (const [pattern, replacement] of ROUTE_PATTERNS) {
    if (pattern.test(path)) {
      return path.replace(pattern, replacement);
    }
  }
  return path;
}

function clientIdOf(ctx: Context): string | undefined {
  return (ctx as unknown as KoaContextWithOIDC).oidc?.client?.clientId;
}

/** Logs one line per request: method, route, status, duration and client_id. */
export async function requestLog(ctx: Context, next: Next): Promise<void> {
  const started = performance.now();
  try {
    await next();
  } finally {
    log(ctx.status >= 500 ? 'error' : 'info', 'request', {
      method: ctx.method,
      route: routeOf(ctx.path),
      status: ctx.status,
      duration_ms: Math.round((performance.now() - started) * 10) / 10,
      client_id: clientIdOf(ctx),
    });
  }
}
