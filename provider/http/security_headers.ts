import type { Context, Next } from 'koa';

// Pages carry no scripts of their own; forms post back to the provider only.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "img-src 'self' data:",
  "form-action 'self' http: https:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Sets the headers every response of the provider carries. */
export async function securityHeaders(ctx: Context, next: Next): Promise<void> {
  await next();
  // No page of the provider may leak its URL (which can carry a token) through Referer.
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('X-Content-Type-Options', 'nosniff');
  if (ctx.response.is('html')) {
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Frame-Options', 'DENY');
    if (!ctx.response.get('Content-Security-Policy')) {
      ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    }
  }
}
