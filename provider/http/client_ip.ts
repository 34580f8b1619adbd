import type { Context } from 'koa';

/**
 * The caller's IP as koa sees it (forwarded headers only when `proxy` is set), with an
 * IPv4-mapped IPv6 address reduced to plain IPv4 so that both spellings compare equal.
 */
export function clientIp(ctx: Pick<Context, 'ip'>): string {
  const ip = ctx.ip;
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice('::ffff:'.length) : ip;
}
