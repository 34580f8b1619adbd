import type { Context } from 'koa';

// A browser often reaches "localhost" over IPv6 while a native app's HTTP stack picks IPv4:
// both are this host's own loopback, so they count as one address for device binding.
const IPV6_LOOPBACK = '::1';
const IPV4_LOOPBACK = '127.0.0.1';

/**
 * The caller's IP as koa sees it (forwarded headers only when `proxy` is set), normalised so
 * that spellings of one address compare equal: an IPv4-mapped IPv6 address becomes plain IPv4
 * and the IPv6 loopback becomes 127.0.0.1.
 */
export function clientIp(ctx: Pick<Context, 'ip'>): string {
  const ip = ctx.ip;
  if (ip === IPV6_LOOPBACK) {
    return IPV4_LOOPBACK;
  }
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice('::ffff:'.length) : ip;
}
