import type { Context, Next } from 'koa';

// Pages carry no scripts of their own. oidc-provider's auto-submitting forms (form_post,
// the logout before an account switch) add the hash of their one inline script to
// script-src, which it only does when the header is already set when the page is rendered.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'unsafe-inline'",
  "img-src 'self' data:",
  "form-action 'self' http: https:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Sets the headers every response of the provider carries. */
export async function securityHeaders(ctx: Context, next: Next): Promise<void> {
  ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  await next();
  // No page of the provider may leak its URL (which can carry a token) through Referer.
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('X-Content-Type-Options', 'nosniff');
  if (ctx.response.is('html')) {
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Frame-Options', 'DENY');
  } else {
    ctx.remove('Content-Security-Policy');
  }
}
