import Router from '@koa/router';
import type { Context } from 'koa';
import * as client from 'openid-client';

import { finishLogin, logoutUrl, type Site, startHandoverLogin, startLogin } from './flows.ts';
import { errorPage, homePage, targetPage } from './pages.ts';
import type { SessionStore } from './sessions.ts';

/** What the routes of one website share. */
export interface WebsiteContext extends Site {
  name: string;
  sessions: SessionStore;
  log: (event: string, fields?: Record<string, unknown>) => void;
}

/**
 * The target path, if it is a path on this website. Anything else (another origin,
 * "//evil.example", a backslash trick) falls back to "/", so /handover is no open redirect.
 */
export function localPath(value: unknown, baseUrl: string): string {
  if (typeof value !== 'string' || !value.startsWith('/') || /^\/[/\\]/.test(value)) {
    return '/';
  }
  const url = new URL(value, baseUrl);
  if (url.origin !== new URL(baseUrl).origin) {
    return '/';
  }
  return url.pathname + url.search;
}

function redirect(ctx: Context, url: URL | string): void {
  ctx.status = 303;
  ctx.redirect(url.toString());
}

function showHome(site: WebsiteContext) {
  return (ctx: Context) => {
    ctx.body = homePage(site.name, site.sessions.find(ctx)?.user);
  };
}

function login(site: WebsiteContext) {
  return async (ctx: Context) => {
    const { pending, url } = await startLogin(site, localPath(ctx.query.to, site.baseUrl));
    site.sessions.open(ctx).pending = pending;
    redirect(ctx, url);
  };
}

function handover(site: WebsiteContext) {
  return async (ctx: Context) => {
    // The URL carries a token: no cache may keep this response, no Referer may repeat it.
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Referrer-Policy', 'no-referrer');
    const token = ctx.query.login_hint_token;
    const to = localPath(ctx.query.to, site.baseUrl);
    if (typeof token !== 'string' || token.length === 0) {
      redirect(ctx, `/login?to=${encodeURIComponent(to)}`);
      return;
    }
    const started = await startHandoverLogin(site, to, token);
    site.log('handover_started', { to });
    site.sessions.open(ctx).pending = started.pending;
    // 303 to the provider: the token leaves the address bar and the history entry.
    redirect(ctx, started.url);
  };
}

/** The OAuth error code of a failed request, or a generic one; never a token or a body. */
export function describeFailure(error: unknown): string {
  if (error instanceof client.AuthorizationResponseError) {
    return error.error;
  }
  if (error instanceof client.ResponseBodyError) {
    return error.error;
  }
  return 'sign_in_failed';
}

function callback(site: WebsiteContext) {
  return async (ctx: Context) => {
    const session = site.sessions.find(ctx);
    const pending = session?.pending;
    if (!session || !pending) {
      ctx.status = 400;
      ctx.body = errorPage(site.name, 'no_sign_in_in_progress');
      return;
    }
    session.pending = undefined;
    try {
      session.user = await finishLogin(site, pending, new URL(ctx.url, site.baseUrl));
    } catch (error) {
      site.log('sign_in_failed', { error: describeFailure(error) });
      ctx.status = 400;
      ctx.body = errorPage(site.name, describeFailure(error));
      return;
    }
    site.log('signed_in', { sub: session.user.sub });
    redirect(ctx, pending.to);
  };
}

function logout(site: WebsiteContext) {
  return (ctx: Context) => {
    const user = site.sessions.find(ctx)?.user;
    site.sessions.end(ctx);
    // RP-initiated logout ends the browser's session at the provider too.
    redirect(ctx, logoutUrl(site, user));
  };
}

/** Any other GET (such as /orders/42) stands for a page of the business flow. */
export function showTarget(site: WebsiteContext) {
  return (ctx: Context) => {
    if (ctx.method !== 'GET' || ctx.path === '/favicon.ico') {
      return;
    }
    ctx.body = targetPage(site.name, ctx.path, site.sessions.find(ctx)?.user);
  };
}

/** The website's own routes: /, /login, /handover, /callback and /logout. */
export function createRoutes(site: WebsiteContext): Router {
  const router = new Router();
  router.get('/', showHome(site));
  router.get('/login', login(site));
  router.get('/handover', handover(site));
  router.get('/callback', callback(site));
  router.post('/logout', logout(site));
  return router;
}
